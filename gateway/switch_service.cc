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
#include "routing/health_board.h"
#include "routing/io/bank_link.h"

namespace sy::gateway {
namespace {

namespace asio = boost::asio;
namespace store = clearing::store;

clearing::event_time now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

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
    std::printf("  recovery      %zu request(s) to wallet or unconfigured channels left as sent\n",
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

// SIGINT and SIGTERM, caught from construction on, so a signal during start-up still stops the
// switch cleanly once it is running.
class stop_signals {
 public:
  stop_signals() : signals_(context_, SIGINT, SIGTERM) {}
  // Blocks until one of them arrives (at once if it already did), running what else was put on
  // context() meanwhile.
  void wait() {
    signals_.async_wait([this](const error_code&, int) { context_.stop(); });
    context_.run();
  }
  asio::io_context& context() noexcept { return context_; }

 private:
  asio::io_context context_{1};
  asio::signal_set signals_;
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

}  // namespace

exit_code run_switch(const config::config& cfg, hsm::backend& hsm) {
  stop_signals signals;
  auto env = store::environment::open(store::environment_options::from(cfg.storage));
  if (!env) return store_failure(cfg, "opening", env.error());
  store::writer writer(**env);
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

  routing::health_board health(cfg);
  worker_pool workers(worker_count(cfg));
  std::vector<std::unique_ptr<routing::io::bank_link>> links;
  const auto today = calendar->date_of(now_ms());
  for (std::size_t i = 0; i < cfg.channels.size(); ++i) {
    const auto& channel = cfg.channels[i];
    if (channel.kind != config::channel_kind::iso8583) continue;
    routing::io::link_services services{env->get(),           &writer,    &hsm,
                                        cfg.hsm.pan_data_key, &health[i], {}};
    links.push_back(std::make_unique<routing::io::bank_link>(
        channel, workers.contexts(), std::move(services), options_of(channel)));
    if (const auto started = links.back()->start(today); !started) {
      stop_links(links);
      return store_failure(cfg, "starting channel " + channel.id, started.error());
    }
  }
  std::printf("switchyard: running with %zu bank link(s); SIGTERM or Ctrl-C stops it\n",
              links.size());
  std::fflush(stdout);

  sign_on_report report(signals.context(), links);
  report.look();
  signals.wait();
  stop_links(links);
  for (const auto& link : links) print_link_totals(*link);
  links.clear();
  workers.stop();
  writer.stop();
  std::printf("switchyard: stopped\n");
  return exit_code::ok;
}

}  // namespace sy::gateway
