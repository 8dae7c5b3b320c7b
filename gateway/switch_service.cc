// The running switch: workers, book of record, recovery, bank links, and the stop signal.
#include "gateway/switch_service.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <latch>
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
#include "gateway/admin_api.h"
#include "gateway/clearing_daemon.h"
#include "gateway/gateway_metrics.h"
#include "gateway/http_server.h"
#include "gateway/merchant_api.h"
#include "gateway/rate_limiter.h"
#include "gateway/risk_guard.h"
#include "gateway/switch_context.h"
#include "gateway/wallet_recovery.h"
#include "routing/health_board.h"
#include "routing/http/http_channel.h"
#include "routing/io/bank_link.h"

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
// is the first thing an operator wants to know, and the totals come only at the end.
class sign_on_report {
 public:
  sign_on_report(asio::io_context& context,
                 const std::vector<std::unique_ptr<routing::io::bank_link>>& links)
      : timer_(context), links_(links), signed_on_(links.size(), false) {}

  void look() {
    for (std::size_t i = 0; i < links_.size(); ++i) {
      const bool now = links_[i]->metrics().signed_on;
      if (now == signed_on_[i]) continue;
      signed_on_[i] = now;
      std::printf("switchyard: channel %s %s\n", links_[i]->channel().id.c_str(),
                  now ? "signed on" : "not signed on");
      std::fflush(stdout);
    }
    timer_.expires_after(std::chrono::milliseconds{limits::link_sign_on_report_ms});
    timer_.async_wait([this](const error_code& ec) {
      if (!ec) look();
    });
  }

 private:
  asio::steady_timer timer_;
  const std::vector<std::unique_ptr<routing::io::bank_link>>& links_;
  std::vector<bool> signed_on_;
};

// Signs every link off and waits until each has closed.
void stop_links(std::vector<std::unique_ptr<routing::io::bank_link>>& links) {
  std::latch closed(static_cast<std::ptrdiff_t>(links.size()));
  for (auto& link : links) link->stop([&closed] { closed.count_down(); });
  closed.wait();
}

// The link's totals as one JSON log line, so an operator (and a test) sees what a run did.
void print_link_totals(const routing::io::bank_link& link) {
  const auto m = link.metrics();
  std::string line =
      "{\"level\":\"info\",\"component\":\"link\",\"event\":\"stopped\","
      "\"channel\":\"" +
      link.channel().id + "\",\"requests\":{";
  for (std::size_t i = 0; i < m.requests.size(); ++i) {
    line += (i == 0 ? "\"" : ",\"") + std::string(routing::io::request_mtis[i]) +
            "\":" + std::to_string(m.requests[i]);
  }
  // Responses that did not read as responses, a bad MAC included: what a key mismatch shows.
  line += "},\"malformed\":" + std::to_string(m.malformed) +
          ",\"reconnects\":" + std::to_string(m.reconnects) +
          ",\"timeouts\":" + std::to_string(m.timeouts) +
          ",\"reversals_sent\":" + std::to_string(m.reversals_sent) +
          ",\"reversals_acknowledged\":" + std::to_string(m.reversals_acknowledged) +
          ",\"reversals_pending\":" + std::to_string(m.reversals_pending) + "}\n";
  std::fputs(line.c_str(), stderr);
}

// The link's tunables that its channel configures.
routing::io::link_options options_of(const config::channel& channel) {
  routing::io::link_options options;
  options.reversal = {std::chrono::milliseconds{channel.reversal_retry_base_ms},
                      std::chrono::milliseconds{channel.reversal_retry_max_ms}};
  return options;
}

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

void add_collectors(gateway_metrics& m, const config::config& c, const routing::health_board& h,
                    const std::vector<std::unique_ptr<routing::io::bank_link>>& links,
                    const store::writer& w, const http_server& server,
                    const wallet_recovery& recovery) {
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
                  metrics::kind::gauge, {"channel"}, [&c, &h](metrics::sample_sink& out) {
                    for (std::size_t i = 0; i < h.size(); ++i) {
                      out.add(h[i].signed_on() ? 1 : 0, {c.channels[i].id});
                    }
                  });
  m.add_collector("sy_link_requests_total", "Requests written to a bank link, by MTI",
                  metrics::kind::counter, {"channel", "mti"}, [&links](metrics::sample_sink& out) {
                    for (const auto& l : links) {
                      const auto lm = l->metrics();
                      for (std::size_t i = 0; i < lm.requests.size(); ++i) {
                        out.add(static_cast<double>(lm.requests[i]),
                                {l->channel().id, routing::io::request_mtis[i]});
                      }
                    }
                  });
  m.add_collector("sy_link_timeouts_total", "Bank requests unanswered in time (reversed)",
                  metrics::kind::counter, {"channel"}, [&links](metrics::sample_sink& out) {
                    for (const auto& l : links) {
                      out.add(static_cast<double>(l->metrics().timeouts), {l->channel().id});
                    }
                  });
  m.add_collector("sy_link_reversals_pending", "Reversals waiting for the bank's acknowledgement",
                  metrics::kind::gauge, {"channel"}, [&links](metrics::sample_sink& out) {
                    for (const auto& l : links) {
                      out.add(static_cast<double>(l->metrics().reversals_pending),
                              {l->channel().id});
                    }
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

// The channel set a reload must keep: links and wallet clients run on the start-up snapshot.
bool same_channels(const config::config& a, const config::config& b) {
  if (a.channels.size() != b.channels.size()) return false;
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    if (a.channels[i].id != b.channels[i].id || a.channels[i].kind != b.channels[i].kind) {
      return false;
    }
  }
  return true;
}

// SIGHUP: the new configuration replaces routes, merchants (keys, client certificates, rate and
// risk limits, fees) for the requests that start after it; an invalid one is refused and the
// running one stays. Channels keep their start-up settings (a changed one is warned of), and a
// new or removed channel refuses the reload.
void reload(switch_context& ctx, const config_loader& load) {
  const auto next = load();
  const auto running = ctx.current();
  if (!next) {
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"config\",\"event\":"
                 "\"reload_refused\",\"reason\":\"the configuration has errors (above)\"}\n");
    return;
  }
  if (!same_channels(*running->config, *next)) {
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"config\",\"event\":"
                 "\"reload_refused\",\"reason\":\"channels were added, removed or "
                 "renamed; that needs a restart\"}\n");
    return;
  }
  auto compiled = compiled_config::build(next);
  if (!compiled) {
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"config\",\"event\":"
                 "\"reload_refused\",\"reason\":\"%s\"}\n",
                 compiled.error().message().c_str());
    return;
  }
  ctx.live.store(std::move(*compiled), std::memory_order_release);
  // The links and wallet clients keep the settings they started with: say so, not nothing.
  for (std::size_t i = 0; i < next->channels.size(); ++i) {
    if (next->channels[i] == running->config->channels[i]) continue;
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"config\",\"event\":"
                 "\"reload_partial\",\"channel\":\"%s\",\"reason\":\"the channel's settings "
                 "changed; they take effect at the next restart\"}\n",
                 next->channels[i].id.c_str());
  }
  std::printf("switchyard: configuration reloaded from %s\n", next->source_name.c_str());
  std::fflush(stdout);
}

// One HTTP client per wallet channel, on the first worker (it keeps its state on a strand).
exit_code start_wallets(const config::config& c, asio::io_context& io, hsm::backend& hsm,
                        routing::health_board& health,
                        std::vector<std::unique_ptr<routing::http::http_channel>>& out,
                        channel_set& channels) {
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    const auto& channel = c.channels[i];
    if (channel.kind != config::channel_kind::http) continue;
    auto made = routing::http::http_channel::create(io, channel, hsm, &health[i]);
    if (!made) {
      std::fprintf(stderr, "error: channel %s: %s\n", channel.id.c_str(),
                   made.error().message().c_str());
      return exit_code::bad_config;
    }
    channels.wallets[i] = made->get();
    out.push_back(std::move(*made));
  }
  return exit_code::ok;
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

  routing::health_board health(cfg);
  worker_pool workers(worker_count(cfg));
  channel_set channels{std::vector<routing::io::bank_link*>(cfg.channels.size()),
                       std::vector<routing::http::http_channel*>(cfg.channels.size())};
  std::vector<std::unique_ptr<routing::io::bank_link>> links;
  for (std::size_t i = 0; i < cfg.channels.size(); ++i) {
    const auto& channel = cfg.channels[i];
    if (channel.kind != config::channel_kind::iso8583) continue;
    routing::io::link_services services{env->get(),           &writer,    &hsm,
                                        cfg.hsm.pan_data_key, &health[i], {}};
    links.push_back(std::make_unique<routing::io::bank_link>(
        channel, workers.contexts(), std::move(services), options_of(channel)));
    channels.banks[i] = links.back().get();
    if (const auto started = links.back()->start(today); !started) {
      stop_links(links);
      return store_failure(cfg, "starting channel " + channel.id, started.error());
    }
  }
  std::vector<std::unique_ptr<routing::http::http_channel>> wallets;
  if (const auto started =
          start_wallets(cfg, *workers.contexts()[0], hsm, health, wallets, channels);
      started != exit_code::ok) {
    stop_links(links);
    return started;
  }

  rate_limiter rates;
  switch_context ctx{**env,  writer,   hsm,  ids,   *calendar, stamp,
                     health, channels, risk, rates, metrics,   {}};
  ctx.live.store(std::move(*compiled));
  wallet_recovery recovery(cfg, ctx);
  merchant_api api(ctx);
  admin_api admin(health, [&metrics] { return metrics.render(); });
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
    recovery.stop();
    stop_links(links);
    return exit_code::listen_failed;
  }
  add_collectors(metrics, cfg, health, links, writer, **server, recovery);
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
      links.size(), wallets.size());
  std::fflush(stdout);

  sign_on_report report(signals.context(), links);
  report.look();
  signals.wait([&ctx, &load] { reload(ctx, load); });
  // Graceful stop: answers in flight first, then the channels, then the book.
  (*server)->stop(std::chrono::milliseconds{limits::shutdown_drain_ms});
  clearing.stop();
  recovery.stop();
  stop_links(links);
  for (auto& wallet : wallets) wallet->stop();
  for (const auto& link : links) print_link_totals(*link);
  workers.stop();
  server->reset();
  links.clear();
  wallets.clear();
  writer.stop();
  std::printf("switchyard: stopped\n");
  return exit_code::ok;
}

}  // namespace sy::gateway
