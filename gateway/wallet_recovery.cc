// The status-query sweep over wallet requests left without a result.
#include "gateway/wallet_recovery.h"

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "clearing/completion.h"
#include "clearing/store/writer.h"
#include "config/limits.h"
#include "config/redact.h"
#include "routing/http/errc.h"
#include "routing/http/http_channel.h"

namespace sy::gateway {

namespace store = clearing::store;
namespace layout = clearing::layout;
using routing::http::result_kind;

// What a query's completion needs; owned jointly with the completions still to come, so that a
// completion after stop() finds it alive (and `stopped` set) rather than a destroyed object.
struct wallet_recovery::shared {
  switch_context& ctx;
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> outstanding{0};  // queries and commits of the current sweep
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> completed{0};
};

namespace {

// A JSON warn line naming the request (when there is one) by its ids, never card or account data.
void warn(std::string_view event, std::string_view detail,
          const layout::channel_request* r = nullptr) {
  std::string line = R"({"level":"warn","component":"wallet_recovery","event":")";
  line.append(event);
  if (r != nullptr) {
    line.append(R"(","channel":")").append(r->channel);
    line.append(R"(","payment_id":")").append(r->payment_id);
  }
  line.append(R"(","detail":")");
  append_log_text(line, detail);
  line += "\"}";
  std::fprintf(stderr, "%s\n", line.c_str());
}

// Ends `open` with `outcome` in one finished step, as payment_flow::finish does live.
void end_request(const std::shared_ptr<wallet_recovery::shared>& s,
                 const clearing::open_request& open, const clearing::channel_outcome& outcome) {
  const auto done = [s] { s->outstanding.fetch_sub(1); };
  const auto stamp = s->ctx.stamp(clearing::now_ms());
  if (!stamp) {
    warn("not_ended", "no event id could be made", &open.request);
    return done();
  }
  const clearing::book book(s->ctx.env);
  auto step = clearing::complete(book, open, outcome, *stamp);
  if (!step) {
    warn("not_ended", step.error().message(), &open.request);
    return done();
  }
  auto submitted =
      s->ctx.writer.submit(clearing::finished(*step), store::inline_executor(),
                           [s, request = open.request, done](const store::commit_outcome& o) {
                             // A refused precondition (the request ended otherwise meanwhile)
                             // or a failed commit: the next sweep reads what is stored.
                             if (o.error) {
                               warn("not_ended", o.error.message(), &request);
                             } else {
                               s->completed.fetch_add(1);
                             }
                             done();
                           });
  if (!submitted) {
    warn("not_ended", submitted.error().message(), &open.request);
    done();
  }
}

// Where config lists `channel`, or npos.
std::size_t channel_index(const config::config& cfg, std::string_view channel) {
  for (std::size_t i = 0; i < cfg.channels.size(); ++i) {
    if (cfg.channels[i].id == channel) return i;
  }
  return std::string::npos;
}

}  // namespace

wallet_recovery::wallet_recovery(switch_context& ctx)
    : ctx_(ctx), shared_(std::make_shared<shared>(ctx)) {
  thread_ = std::thread([this] { run(); });
}

wallet_recovery::~wallet_recovery() {
  stop();
}

void wallet_recovery::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  shared_->stopped = true;
  wake_.notify_all();
  thread_.join();
}

wallet_recovery_counters wallet_recovery::counters() const noexcept {
  return {shared_->queries.load(std::memory_order_relaxed),
          shared_->completed.load(std::memory_order_relaxed)};
}

void wallet_recovery::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds{limits::wallet_status_query_interval_ms},
                   [this] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    sweep();
    lock.lock();
  }
}

void wallet_recovery::sweep() {
  // One sweep at a time: a provider slower than the interval is not asked twice at once.
  if (shared_->outstanding.load() != 0) return;
  const clearing::book book(ctx_.env);
  auto awaiting = book.awaiting_completion();
  auto sent = book.unanswered();  // a crash between "sent" and the final commit
  if (!awaiting || !sent) {
    return warn("not_listed", (!awaiting ? awaiting.error() : sent.error()).message());
  }
  awaiting->insert(awaiting->end(), std::make_move_iterator(sent->begin()),
                   std::make_move_iterator(sent->end()));
  const auto now = clearing::now_ms();
  // The channels as configured now; held for the sweep, so none is stopped while it is asked.
  const auto live = ctx_.current();
  const auto& cfg = *live->config;
  std::size_t asked = 0;
  for (auto& open : *awaiting) {
    if (asked == limits::wallet_status_query_count_max) break;
    const auto& r = open.request;
    const auto index = channel_index(cfg, r.channel);
    if (index == std::string::npos || live->channels.wallets[index] == nullptr) continue;
    // The live path waits request_timeout_ms for its answer, then commits what it got: until
    // then, and one interval more for that commit, the request is not ours.
    const std::chrono::milliseconds live_path_owns{cfg.channels[index].request_timeout_ms +
                                                   limits::wallet_status_query_interval_ms};
    if (now - r.sent_at < live_path_owns) continue;
    const bool refund = r.kind == layout::request_kind::refund;
    if (!refund && r.kind != layout::request_kind::payment) continue;  // wallets take no others
    if (refund && !r.refund_id) continue;
    ++asked;
    shared_->outstanding.fetch_add(1);
    shared_->queries.fetch_add(1);
    const auto op = refund ? routing::http::operation::refund : routing::http::operation::charge;
    const std::string id = refund ? *r.refund_id : r.payment_id;
    live->channels.wallets[index]->query_status(
        op, id, store::inline_executor(),
        [s = shared_, open = std::move(open)](routing::http::channel_result result) {
          if (s->stopped) {
            s->outstanding.fetch_sub(1);
            return;
          }
          if (result.kind == result_kind::answered && result.outcome) {
            return end_request(s, open, *result.outcome);
          }
          // The provider never saw it: nothing happened there, so it fails safely.
          if (result.kind == result_kind::not_sent &&
              result.error == routing::http::errc::unknown_request) {
            return end_request(s, open, result.outcome.value_or(clearing::channel_failed{}));
          }
          s->outstanding.fetch_sub(1);  // still pending, or no answer: the next sweep asks again
        });
  }
}

}  // namespace sy::gateway
