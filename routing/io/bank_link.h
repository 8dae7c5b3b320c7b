// One ISO 8583 bank channel's link (docs/bank-link.md, "The link's connections"): its long-lived
// TCP/TLS connections, sign-on, echo, reconnects, request/response exchange, store-and-forward of
// reversals, health and metrics. Asio stays in the .cc files (pimpl): this header is cheap.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/book.h"
#include "clearing/payment.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/config.h"
#include "config/result.h"
#include "hsm/backend.h"
#include "routing/channel_health.h"
#include "routing/io/errc.h"
#include "routing/link/messages.h"
#include "routing/link/saf.h"
#include "routing/link/sequence_allocator.h"

namespace boost::asio {
class io_context;
}

namespace sy::routing::io {

// ---- what a request comes back with ----------------------------------------------------------

// A response's elements, copied out of the frame (link::response holds views).
struct owned_response {
  std::string mti;                 // "0210"
  std::string stan;                // DE 11
  std::string rrn;                 // DE 37; empty if absent
  std::string response_code;       // DE 39
  std::string authorization_code;  // DE 38; empty if absent
};

enum class exchange_status : std::uint8_t {
  answered,   // the bank answered: `response`, and `outcome` approved or declined
  timed_out,  // sent (or possibly sent), no answer within request_timeout_ms or the connection
              // dropped first: the caller must reverse it (commit reversal_due, add_reversal)
  not_sent,   // the bank provably never saw it (`error` says why): failover is allowed
};

struct exchange_result {
  exchange_status status = exchange_status::not_sent;
  // answered: link::outcome_of(response); timed_out: channel_timed_out;
  // not_sent: channel_failed{issuer_unavailable}.
  clearing::channel_outcome outcome = clearing::channel_failed{};
  owned_response response;  // answered only
  // not_sent: io::errc (not_signed_on, link_full, send_failed, stopped, injected_failure) or a
  // link::errc from building the message (bad_request_value, spec_unsupported) or an HSM error
  // from its MAC. Never carries request data.
  error_code error;
  std::chrono::microseconds latency{0};  // answered: from write to response
};

// Called exactly once per send, posted to the executor given with the request.
using exchange_handler = std::function<void(exchange_result result)>;

// One financial request as the switch sends it.
struct outgoing_request {
  // 0100/0200/0220; its views (the clear PAN included) need only live during send(): the frame
  // is built before send returns and the PAN goes nowhere else.
  link::financial_request request;
  // From bank_link::numbers(), already written in the durable "sent" record.
  link::trace_numbers numbers;
  std::chrono::local_seconds local_time{};  // DE 12/13: the acceptor's local time
};

// ---- metrics ----------------------------------------------------------------------------------

// Requests counted by MTI, in this order.
inline constexpr std::array<std::string_view, 6> request_mtis{"0100", "0200", "0220",
                                                              "0400", "0420", "0800"};
// Responses counted by DE 39, in this order; any other code counts in the last slot ("other").
inline constexpr std::array<std::string_view, 9> response_codes{"00", "05", "14", "51",   "54",
                                                                "61", "91", "96", "other"};
// Upper bounds (inclusive, milliseconds) of the latency histogram's buckets; a last bucket
// counts everything slower (Prometheus `le="+Inf"`).
inline constexpr std::array<std::int64_t, 12> latency_bucket_bounds_ms{
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

// A snapshot of the channel's counters (monotonic since start unless said otherwise).
struct link_metrics {
  std::array<std::uint64_t, request_mtis.size()> requests{};     // frames written, by MTI
  std::array<std::uint64_t, response_codes.size()> responses{};  // matched responses, by DE 39
  std::uint64_t timeouts = 0;                // financial requests completed as timed_out
  std::uint64_t late = 0;                    // responses to requests that timed out: never applied
  std::uint64_t duplicate = 0;               // second responses to one request
  std::uint64_t unknown = 0;                 // responses matching nothing remembered
  std::uint64_t malformed = 0;               // frames that are not a response (incl. bad MAC)
  std::uint64_t framing_errors = 0;          // broken framing (length over frame_size_max): closed
  std::uint64_t refused_full = 0;            // sends refused with link_full
  std::uint64_t refused_down = 0;            // sends refused with not_signed_on
  std::uint64_t send_failures = 0;           // sends failed (send_failed, injected_failure)
  std::uint64_t reversals_pending = 0;       // gauge: reversals due in the queue
  std::uint64_t reversals_sent = 0;          // 0400/0420 written
  std::uint64_t reversals_acknowledged = 0;  // 0410/0430 whose erasure committed
  std::uint64_t echo_failures = 0;           // echoes unanswered in time: link closed
  std::uint64_t bank_requests_answered = 0;  // 0800s from the bank answered with an 0810
  std::array<std::uint64_t, latency_bucket_bounds_ms.size() + 1> latency{};  // answered requests
  std::uint64_t latency_sum_us = 0;
  std::uint64_t connections_up = 0;         // gauge: TCP/TLS established
  std::uint64_t connections_signed_on = 0;  // gauge: carrying traffic
  std::uint64_t reconnects = 0;             // connection attempts after the first
  bool signed_on = false;                   // at least one connection signed on
};

// ---- the link ---------------------------------------------------------------------------------

// What the link uses and does not own; everything must outlive the link.
struct link_services {
  clearing::store::environment* store = nullptr;  // book reads: sequence, reversals_due
  clearing::store::writer* writer = nullptr;      // reservations, SAF attempts and erasures
  hsm::backend* hsm = nullptr;  // the channel's mac_key (DE 64/128) and PAN decryption
  // The pan_data key of channel_request.pan_ciphertext; the associated data is the request's
  // payment id (docs/security.md, "PAN protection").
  std::string pan_data_key;
  channel_health* health = nullptr;  // the channel's health_board entry; none: not reported
  clearing::store::log_sink log;     // JSON warn lines; empty: stderr
};

// Tunables that tests shorten; production keeps the defaults (config/limits.h).
struct link_options {
  link::reversal_policy reversal;
  std::chrono::milliseconds reconnect_base{limits::link_reconnect_base_ms};
  std::chrono::milliseconds reconnect_max{limits::link_reconnect_max_ms};
  std::function<std::uint64_t()> random;  // jitter of reconnects and reversals; empty: seeded
};

class bank_link {
 public:
  // The link of `channel` (an iso8583 channel, validated by config). Connection i of
  // channel.connection_count lives on contexts[i % contexts.size()] and connects to
  // endpoints[i % endpoints.size()]; the store-and-forward loop lives on contexts[0]. The
  // contexts must be run by some thread while the link works. Nothing happens before start().
  bank_link(const config::channel& channel, std::vector<boost::asio::io_context*> contexts,
            link_services services, link_options options = {});
  // Closes whatever is still open without signing off (call stop() first for a clean end).
  ~bank_link();
  bank_link(const bank_link&) = delete;
  bank_link& operator=(const bank_link&) = delete;

  // Loads the channel's TLS files (ca_path, certificate_path, key_path) when it uses TLS, without
  // connecting or touching the store; start() does it when this was not called. A reload calls it
  // before it stops the link this one replaces, so that wrong files refuse the change rather than
  // leave the channel without a link. Errors: the TLS files' errors; stopped (after start()).
  result<void> prepare();

  // Reads the channel's STAN/RRN marks and its reversals due (book::reversals_due), commits the
  // first number reservation for `business_date` (blocking: call it at start-up, not on a
  // worker), and starts connecting (sign-on follows each connect). Errors: the store's read and
  // commit errors (corrupt_record, lmdb, sequence_conflict), the TLS files' errors (ca_path,
  // certificate_path, key_path), stopped (called twice).
  result<void> start(std::chrono::year_month_day business_date);

  // The STAN and RRN of the next request of `business_date`, for the caller's "sent" record
  // before send(). Thread-safe. Reservations of further blocks go to the store writer in the
  // background. Errors: link::errc numbers_pending (a block is being reserved: retry shortly),
  // business_date_behind, stan_exhausted, rrn_exhausted, sequence_conflict; stopped (before
  // start(), or once stop() was called).
  result<link::trace_numbers> numbers(std::chrono::year_month_day business_date);

  // Sends `request` on the signed-on connection with the fewest requests outstanding, and posts
  // `done` to `ex` once with its result (exchange_result says which). Thread-safe, never blocks:
  // a channel with no connection signed on, or every one at inflight_max, completes at once
  // with not_sent (not_signed_on / link_full). The deadline is channel.request_timeout_ms.
  void send(const outgoing_request& request, clearing::store::executor ex, exchange_handler done);

  // A request of this channel whose timeout commit marked it reversal_due (durable): queued for
  // store-and-forward. Thread-safe.
  void add_reversal(clearing::open_request due);

  // Signs every signed-on connection off (0800 DE 70 002, waiting at most request_timeout_ms for
  // the 0810), closes all connections, stops reconnecting and the store-and-forward loop, and
  // completes every outstanding request as timed_out. `done` runs once everything is closed,
  // on one of the link's contexts. Thread-safe; a second call only adds nothing and runs `done`.
  void stop(std::function<void()> done);

  // Counters; thread-safe, lock-free reads.
  link_metrics metrics() const noexcept;

  // Fault injection (DESIGN.md): the n-th send from now (1: the next) fails as injected_failure
  // before anything is written; 0 disarms.
  void fail_nth_send(std::uint64_t n) noexcept;

  const config::channel& channel() const noexcept;

  struct impl;  // routing/io/bank_link.cc

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace sy::routing::io
