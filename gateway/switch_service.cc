// The running switch: workers, book of record, recovery, bank links, and the stop signal.
#include "gateway/switch_service.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "clearing/book.h"
#include "clearing/business_date.h"
#include "clearing/completion.h"
#include "clearing/ids.h"
#include "clearing/store/environment.h"
#include "clearing/store/errc.h"
#include "clearing/store/writer.h"
#include "config/limits.h"
#include "config/redact.h"
#include "gateway/admin_api.h"
#include "gateway/channel_registry.h"
#include "gateway/clearing_daemon.h"
#include "gateway/gateway_metrics.h"
#include "gateway/http_server.h"
#include "gateway/merchant_api.h"
#include "gateway/rate_limiter.h"
#include "gateway/risk_guard.h"
#include "gateway/switch_context.h"
#include "gateway/wallet_recovery.h"
#include "hsm/open.h"

namespace sy::gateway {
namespace {

namespace asio = boost::asio;
namespace store = clearing::store;
using clearing::now_ms;

exit_code store_failure(const config::config& c, std::string_view doing, const error_code& ec) {
  std::fprintf(stderr, "error: store at %s: %.*s: %s\n", c.storage.path.c_str(),
               static_cast<int>(doing.size()), doing.data(), ec.message().c_str());
  return store::is_corruption(ec) ? exit_code::store_corrupt : exit_code::store_unavailable;
}

const config::channel* find_channel(const config::config& c, std::string_view id) {
  for (const auto& channel : c.channels) {
    if (channel.id == id) return &channel;
  }
  return nullptr;
}

// Start-up recovery, before any link runs: each request sent without a final state ends as a
// live timeout ends (answered "failed", reversal due), so the links' store-and-forward reverses it.
exit_code recover_unanswered(const config::config& c, store::environment& env, store::writer& w,
                             const clearing::event_stamper& stamp) {
  const clearing::book book(env);
  const auto open = book.unanswered();
  if (!open) return store_failure(c, "listing unanswered requests", open.error());
  std::size_t reversed = 0;
  for (const auto& request : *open) {
    // Only a bank link reverses. A wallet provider's request is recovered by a status query,
    // and a channel no longer configured cannot be reached: both stay as stored.
    const auto* channel = find_channel(c, request.request.channel);
    if (channel == nullptr || channel->kind != config::channel_kind::iso8583) continue;
    const auto stamped = stamp(now_ms());
    if (!stamped) {
      std::fprintf(stderr, "error: recovery: %s\n",
                   std::string(clearing::to_string(stamped.error())).c_str());
      return exit_code::failure;
    }
    const auto step = clearing::complete(book, request, clearing::channel_timed_out{}, *stamped);
    if (!step) return store_failure(c, "recovering request " + request.key, step.error());
    const auto outcome = store::commit_and_wait(w, clearing::finished(*step));
    if (outcome.error) {
      return store_failure(c, "recovering request " + request.key, outcome.error);
    }
    ++reversed;
  }
  std::printf("  recovery      %zu request(s) sent without a final state, queued for reversal\n",
              reversed);
  if (reversed < open->size()) {
    std::printf(
        "  recovery      %zu request(s) to wallet or unconfigured channels left as sent (a "
        "wallet's provider is asked for their state once the switch runs)\n",
        open->size() - reversed);
  }
  return exit_code::ok;
}

// One io_context per worker thread (DESIGN.md), kept running until stop().
class worker_pool {
 public:
  explicit worker_pool(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
    for (auto& context : contexts_) threads_.emplace_back([&context] { context->run(); });
  }
  ~worker_pool() { stop(); }

  std::vector<asio::io_context*> contexts() const {
    std::vector<asio::io_context*> out;
    for (const auto& context : contexts_) out.push_back(context.get());
    return out;
  }

  // Lets the contexts finish their work and joins the threads.
  void stop() {
    guards_.clear();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

std::size_t worker_count(const config::config& c) {
  if (c.workers.count > 0) return static_cast<std::size_t>(c.workers.count);
  return std::max(1u, std::thread::hardware_concurrency());
}

// SIGINT and SIGTERM (stop) and SIGHUP (reload), caught from construction on, so a signal during
// start-up still stops the switch cleanly once it is running.
class stop_signals {
 public:
  stop_signals() : stop_(context_, SIGINT, SIGTERM), reload_(context_, SIGHUP) {}
  // Blocks until SIGINT or SIGTERM arrives (at once if one already did), running `on_reload` for
  // each SIGHUP and what else was put on context() meanwhile.
  void wait(std::function<void()> on_reload) {
    on_reload_ = std::move(on_reload);
    stop_.async_wait([this](const error_code&, int) { context_.stop(); });
    arm_reload();
    context_.run();
  }
  asio::io_context& context() noexcept { return context_; }

 private:
  void arm_reload() {
    reload_.async_wait([this](const error_code& ec, int) {
      if (ec) return;
      on_reload_();
      arm_reload();
    });
  }

  asio::io_context context_{1};
  asio::signal_set stop_;
  asio::signal_set reload_;
  std::function<void()> on_reload_;
};

// Says on stdout when a link signs on and when it has no signed-on connection left, looking every
// limits::link_sign_on_report_ms: the bank accepted the switch (sign-on answered, MAC verified)
// is the first thing an operator wants to know, and the totals come only at the end. Each look
// also lets the registry end the channels a reload left unused.
class channel_watch {
 public:
  channel_watch(asio::io_context& context, switch_context& ctx) : timer_(context), ctx_(ctx) {}

  void look() {
    {
      const auto live = ctx_.current();
      for (const auto* link : live->channels.banks) {
        if (link == nullptr) continue;
        const bool now = link->metrics().signed_on;
        auto& [seen, was] = said_[link->channel().id];
        if (seen != link) seen = link, was = false;  // a reload replaced it: not yet signed on
        if (now == was) continue;
        was = now;
        std::printf("switchyard: channel %s %s\n", link->channel().id.c_str(),
                    now ? "signed on" : "not signed on");
        std::fflush(stdout);
      }
    }
    ctx_.channels.sweep();
    timer_.expires_after(std::chrono::milliseconds{limits::link_sign_on_report_ms});
    timer_.async_wait([this](const error_code& ec) {
      if (!ec) look();
    });
  }

 private:
  asio::steady_timer timer_;
  switch_context& ctx_;
  // By channel id: the link last looked at and whether it was signed on.
  std::map<std::string, std::pair<const routing::io::bank_link*, bool>, std::less<>> said_;
};

// The day's approved volume per merchant from the journal, so a restart does not reset the
// daily volume limits.
exit_code restore_daily_volume(const config::config& c, const store::environment& env,
                               std::chrono::year_month_day today, risk_guard& risk) {
  const clearing::book book(env);
  std::string after;
  for (;;) {
    const auto page = book.journal(today, after, limits::store_scan_page_count);
    if (!page) return store_failure(c, "reading the journal", page.error());
    for (const auto& entry : *page) {
      const auto& e = entry.event;
      const bool opens =
          e.type == clearing::event_type::sale || e.type == clearing::event_type::authorization;
      if (opens && e.result == clearing::event_result::approved) {
        risk.restore_approved(entry.merchant_id, today, e.amount);
      }
    }
    if (page->size() < limits::store_scan_page_count) return exit_code::ok;
    after = page->back().event.id;
  }
}

// The scrape-time families: channels, links, the store writer and the HTTP server.
void add_clearing_collectors(gateway_metrics& m, const clearing_daemon& clearing) {
  m.add_collector("sy_clearing_runs_total", "Business dates cleared and sealed by the daemon",
                  metrics::kind::counter, {}, [&clearing](metrics::sample_sink& out) {
                    out.add(static_cast<double>(clearing.counters().runs));
                  });
  m.add_collector("sy_clearing_failures_total",
                  "Automatic clearing runs that failed (logged; tried again later)",
                  metrics::kind::counter, {}, [&clearing](metrics::sample_sink& out) {
                    out.add(static_cast<double>(clearing.counters().failures));
                  });
}

void add_collectors(gateway_metrics& m, const switch_context& ctx, const http_server& server,
                    const wallet_recovery& recovery) {
  const auto& links = ctx.channels;
  const auto& w = ctx.writer;
  m.add_collector("sy_wallet_status_queries_total",
                  "Status queries for wallet requests left without a result",
                  metrics::kind::counter, {}, [&recovery](metrics::sample_sink& out) {
                    out.add(static_cast<double>(recovery.counters().queries));
                  });
  m.add_collector("sy_wallet_recovered_total",
                  "Wallet requests ended by a status query (answered, or unknown to the provider)",
                  metrics::kind::counter, {}, [&recovery](metrics::sample_sink& out) {
                    out.add(static_cast<double>(recovery.counters().completed));
                  });
  m.add_collector("sy_channel_signed_on", "1 while the channel carries traffic",
                  metrics::kind::gauge, {"channel"}, [&ctx](metrics::sample_sink& out) {
                    const auto live = ctx.current();
                    const auto& h = live->channels.health;
                    for (std::size_t i = 0; i < h.size(); ++i) {
                      out.add(h[i].signed_on() ? 1 : 0, {live->config->channels[i].id});
                    }
                  });
  m.add_collector("sy_link_requests_total", "Requests written to a bank link, by MTI",
                  metrics::kind::counter, {"channel", "mti"}, [&links](metrics::sample_sink& out) {
                    links.visit_links([&out](const routing::io::bank_link& l) {
                      const auto lm = l.metrics();
                      for (std::size_t i = 0; i < lm.requests.size(); ++i) {
                        out.add(static_cast<double>(lm.requests[i]),
                                {l.channel().id, routing::io::request_mtis[i]});
                      }
                    });
                  });
  m.add_collector("sy_link_timeouts_total", "Bank requests unanswered in time (reversed)",
                  metrics::kind::counter, {"channel"}, [&links](metrics::sample_sink& out) {
                    links.visit_links([&out](const routing::io::bank_link& l) {
                      out.add(static_cast<double>(l.metrics().timeouts), {l.channel().id});
                    });
                  });
  m.add_collector("sy_link_reversals_pending", "Reversals waiting for the bank's acknowledgement",
                  metrics::kind::gauge, {"channel"}, [&links](metrics::sample_sink& out) {
                    links.visit_links([&out](const routing::io::bank_link& l) {
                      out.add(static_cast<double>(l.metrics().reversals_pending), {l.channel().id});
                    });
                  });
  m.add_collector("sy_store_units_total", "Units of work submitted to the store, by outcome",
                  metrics::kind::counter, {"outcome"}, [&w](metrics::sample_sink& out) {
                    const auto wc = w.counters();
                    out.add(static_cast<double>(wc.units_applied), {"applied"});
                    out.add(static_cast<double>(wc.units_refused), {"refused"});
                    out.add(static_cast<double>(wc.units_failed), {"failed"});
                  });
  m.add_collector("sy_http_inflight_requests", "Merchant API requests being handled",
                  metrics::kind::gauge, {}, [&server](metrics::sample_sink& out) {
                    out.add(static_cast<double>(server.counters().requests_inflight));
                  });
  m.add_collector("sy_http_connections_open", "Open connections, both listeners",
                  metrics::kind::gauge, {}, [&server](metrics::sample_sink& out) {
                    out.add(static_cast<double>(server.counters().connections_open));
                  });
  m.add_collector("sy_http_refused_total", "Connections and requests the server refused, by why",
                  metrics::kind::counter, {"reason"}, [&server](metrics::sample_sink& out) {
                    const auto sc = server.counters();
                    out.add(static_cast<double>(sc.connections_shed), {"connection_limit"});
                    out.add(static_cast<double>(sc.connections_refused), {"connection_flood"});
                    out.add(static_cast<double>(sc.requests_shed), {"inflight_limit"});
                    out.add(static_cast<double>(sc.handshakes_failed), {"tls_handshake"});
                    out.add(static_cast<double>(sc.protocol_errors), {"not_http"});
                    out.add(static_cast<double>(sc.timeouts), {"timeout"});
                  });
}

// One JSON log line of a reload about the configuration or a channel.
void log_reload(std::string_view level, std::string_view event, std::string_view channel,
                std::string_view reason) {
  std::string line = "{\"level\":\"";
  line.append(level).append("\",\"component\":\"config\",\"event\":\"").append(event);
  if (!channel.empty()) line.append("\",\"channel\":\"").append(channel);
  line.append("\",\"reason\":\"");
  append_log_text(line, reason);
  line += "\"}\n";
  std::fputs(line.c_str(), stderr);
}

// SIGHUP: the new configuration replaces routes, merchants (keys, client certificates, rate and
// risk limits, fees) and channels (channel_registry's rules) for the requests that start after
// it; requests in flight finish under the one they started with. An invalid one, one naming keys
// the HSM lacks, or one with a channel that cannot be made is refused and the running one stays.
void reload(switch_context& ctx, const config_loader& load) {
  const auto next = load();
  if (!next)
    return log_reload("warn", "reload_refused", {}, "the configuration has errors (above)");
  auto compiled = compiled_config::build(next);
  if (!compiled) return log_reload("warn", "reload_refused", {}, compiled.error().message());
  // A channel's MAC or signing key the HSM lacks would fail its every request: refused instead.
  const auto required = hsm::required_keys(*next);
  if (const auto unmet = hsm::unmet_requirements(ctx.hsm, required); !unmet.empty()) {
    std::string reason = "the HSM lacks keys the configuration names:";
    for (const auto& line : unmet) reason += " " + line + ";";
    return log_reload("warn", "reload_refused", {}, reason);
  }
  channel_changes changes;
  auto channels = ctx.channels.change(*next, ctx.calendar.date_of(now_ms()), changes);
  if (!channels) {
    return log_reload("warn", "reload_refused", channels.error().channel,
                      channels.error().error.message());
  }
  compiled->channels = std::move(*channels);
  ctx.live.store(std::make_shared<const compiled_config>(std::move(*compiled)),
                 std::memory_order_release);
  for (const auto& id : changes.added) log_reload("info", "channel_added", id, "started");
  for (const auto& id : changes.changed) {
    log_reload("info", "channel_changed", id, "replaced with its new settings");
  }
  for (const auto& id : changes.removed) {
    log_reload("info", "channel_removed", id,
               "takes no new requests; stops once its requests and reversals are done");
  }
  for (const auto& f : changes.kept_previous) {
    log_reload("warn", "reload_partial", f.channel,
               "the new link did not start (" + f.error.message() +
                   "); it runs again with its previous settings");
  }
  for (const auto& f : changes.not_started) {
    log_reload(
        "error", "channel_down", f.channel,
        "its link did not start: " + f.error.message() + "; down until the next reload or restart");
  }
  std::printf("switchyard: configuration reloaded from %s\n", next->source_name.c_str());
  std::fflush(stdout);
}

}  // namespace

exit_code run_switch(config::snapshot snapshot, hsm::backend& hsm, config_loader load) {
  const config::config& cfg = *snapshot;
  stop_signals signals;
  auto env = store::environment::open(store::environment_options::from(cfg.storage));
  if (!env) return store_failure(cfg, "opening", env.error());
  gateway_metrics metrics;
  store::writer_options writer_options;
  writer_options.on_batch = [&metrics](std::size_t units, std::chrono::steady_clock::duration d) {
    metrics.store_batch(units, d);
  };
  store::writer writer(**env, writer_options);
  const auto calendar =
      clearing::business_calendar::make(cfg.clearing.cutoff, cfg.clearing.time_zone);
  if (!calendar) {
    std::fprintf(stderr, "error: clearing.time_zone %s: %s\n", cfg.clearing.time_zone.c_str(),
                 std::string(clearing::to_string(calendar.error())).c_str());
    return exit_code::bad_config;
  }
  clearing::id_generator ids;
  const clearing::event_stamper stamp(ids, *calendar);
  if (const auto recovered = recover_unanswered(cfg, **env, writer, stamp);
      recovered != exit_code::ok) {
    return recovered;
  }
  const auto today = calendar->date_of(now_ms());
  risk_guard risk;
  if (const auto restored = restore_daily_volume(cfg, **env, today, risk);
      restored != exit_code::ok) {
    return restored;
  }
  auto compiled = compiled_config::build(snapshot);
  if (!compiled) {
    std::fprintf(stderr, "error: configuration %s: %s\n", cfg.source_name.c_str(),
                 compiled.error().message().c_str());
    return exit_code::bad_config;
  }

  worker_pool workers(worker_count(cfg));
  channel_registry channels({env->get(), &writer, &hsm, workers.contexts(), {}});
  auto started = channels.start(cfg, today);
  if (!started) {
    const auto& failed = started.error();
    if (failed.at == channel_failure::stage::started) {
      return store_failure(cfg, "starting channel " + failed.channel, failed.error);
    }
    std::fprintf(stderr, "error: channel %s: %s\n", failed.channel.c_str(),
                 failed.error.message().c_str());
    return exit_code::bad_config;
  }
  compiled->channels = std::move(*started);
  const auto count_of = [](const auto& v) {
    return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](auto* c) { return c; }));
  };
  const std::size_t link_count = count_of(compiled->channels.banks);
  const std::size_t wallet_count = count_of(compiled->channels.wallets);

  rate_limiter rates;
  switch_context ctx{**env, writer, hsm, ids, *calendar, stamp, channels, risk, rates, metrics, {}};
  ctx.live.store(std::make_shared<const compiled_config>(std::move(*compiled)));
  wallet_recovery recovery(ctx);
  merchant_api api(ctx);
  admin_api admin(
      [&ctx] {
        const auto live = ctx.current();
        const auto& health = live->channels.health;
        for (std::size_t i = 0; i < health.size(); ++i) {
          if (health[i].signed_on()) return true;
        }
        return false;
      },
      [&metrics] { return metrics.render(); });
  auto server = http_server::create(
      workers.contexts(), cfg,
      [&api](http_request r, store::executor ex, answer_fn a) {
        api.handle(std::move(r), ex, std::move(a));
      },
      [&admin](http_request r, store::executor ex, answer_fn a) {
        admin.handle(std::move(r), ex, std::move(a));
      });
  if (!server) {
    std::fprintf(stderr,
                 "error: merchant API listener %s:%u (tls.certificate_path %s, tls.key_path %s) "
                 "or admin listener %s:%u: %s\n",
                 cfg.listen.merchant_api.address.c_str(), cfg.listen.merchant_api.port,
                 cfg.tls.certificate_path.c_str(), cfg.tls.key_path.c_str(),
                 cfg.listen.admin.address.c_str(), cfg.listen.admin.port,
                 server.error().message().c_str());
    return exit_code::listen_failed;
  }
  add_collectors(metrics, ctx, **server, recovery);
  clearing_daemon clearing(**env, writer, *calendar, hsm, [&ctx] { return ctx.current()->config; });
  add_clearing_collectors(metrics, clearing);
  (*server)->start();
  std::printf("switchyard: merchant API listening on %s:%u\n",
              cfg.listen.merchant_api.address.c_str(), (*server)->merchant_port());
  std::printf("switchyard: admin listening on %s:%u\n", cfg.listen.admin.address.c_str(),
              (*server)->admin_port());
  std::printf(
      "switchyard: running with %zu bank link(s) and %zu wallet channel(s); SIGTERM or "
      "Ctrl-C stops it, SIGHUP reloads the configuration\n",
      link_count, wallet_count);
  std::fflush(stdout);

  channel_watch watch(signals.context(), ctx);
  watch.look();
  signals.wait([&ctx, &load] { reload(ctx, load); });
  // Graceful stop: answers in flight first, then the channels, then the book.
  (*server)->stop(std::chrono::milliseconds{limits::shutdown_drain_ms});
  clearing.stop();
  recovery.stop();
  channels.stop();
  workers.stop();
  server->reset();
  writer.stop();
  std::printf("switchyard: stopped\n");
  return exit_code::ok;
}

}  // namespace sy::gateway
