// The HTTP third-party (wallet) channel's client: a keep-alive pool of connection_count
// connections (http or https) to one provider, a bounded queue of waiting requests, signed
// requests and verified answers (routing/http/provider_protocol.h). Asio and Beast stay in
// http_channel.cc; this header only names the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "clearing/store/writer.h"
#include "config/config.h"
#include "config/result.h"
#include "hsm/backend.h"
#include "routing/channel_health.h"
#include "routing/http/provider_protocol.h"

namespace boost::asio {
class io_context;
}

namespace sy::routing::http {

// Counts since start, for /metrics.
struct http_channel_counters {
  std::uint64_t requests = 0;        // send() and query_status() calls
  std::uint64_t answered = 0;        // final answers
  std::uint64_t accepted = 0;        // pending answers
  std::uint64_t timed_out = 0;       // no trusted answer (timeouts, bad signatures, malformed)
  std::uint64_t not_sent = 0;        // back-pressure, connect failures, refusals
  std::uint64_t connects = 0;        // connections established (TLS handshakes included)
  std::uint64_t retries = 0;         // requests repeated after a reused connection was found closed
  std::uint64_t connections_up = 0;  // connections open now
};

class http_channel {
 public:
  using handler = std::function<void(channel_result)>;

  // A channel of kind http on `io` (run by any number of threads: the channel keeps its state on
  // its own strand), signing with the api_secret key settings.signing_key of `hsm`. `hsm` must
  // outlive the channel. Errors: errc::bad_request_value (base_url), the TLS context's errors
  // (ca_path, certificate_path, key_path files).
  //
  // `health` (optional, must outlive the channel) is the channel's health_board entry: an HTTP
  // channel has no sign-on, so it is connected and signed on together while connections to the
  // provider succeed. One connection opens at once to tell; after a connect failure the channel is
  // down until a probe, repeated with backoff and jitter, connects again. Each charge's and
  // refund's result is recorded on its circuit breaker: an answer (even a failed payment) or an
  // acceptance is a success, no trusted answer a timeout, a refused connection or a 429/503 a
  // failure.
  static result<std::unique_ptr<http_channel>> create(boost::asio::io_context& io,
                                                      const config::channel& settings,
                                                      hsm::backend& hsm,
                                                      channel_health* health = nullptr);
  // Stops as stop() does; completions already posted still run on their executors.
  ~http_channel();
  http_channel(const http_channel&) = delete;
  http_channel& operator=(const http_channel&) = delete;

  // Sends a charge or refund; posts `done` once to `ex` with the result: answered, accepted,
  // timed_out (after request_timeout_ms at the latest, counted from this call) or not_sent.
  // Back-pressure: with connection_count * inflight_max requests already waiting, it completes
  // at once as not_sent (queue_full). Thread-safe.
  void send(wallet_request request, clearing::store::executor ex, handler done);

  // Asks the provider for the request `id`'s state (after a timeout, or when a callback is
  // overdue); completes like send(): answered (final), accepted (still pending), not_sent with
  // unknown_request (the provider never saw it), timed_out or not_sent for transport failures.
  // Thread-safe.
  void query_status(operation op, std::string id, clearing::store::executor ex, handler done);

  // Completes every waiting request as not_sent (stopped) and every request on the wire as
  // timed_out (stopped), and closes the connections; later calls complete as not_sent (stopped).
  // Thread-safe and idempotent.
  void stop();

  http_channel_counters counters() const noexcept;

  // Fault injection (DESIGN.md): the n-th send() from now (1: the next) completes as not_sent
  // with errc::injected_failure before anything is sent; 0 disarms.
  void fail_nth_send(std::uint64_t n) noexcept;

  struct impl;  // defined in http_channel.cc, where Asio and Beast live

 private:
  explicit http_channel(std::shared_ptr<impl> impl) noexcept;
  std::shared_ptr<impl> impl_;
};

}  // namespace sy::routing::http
