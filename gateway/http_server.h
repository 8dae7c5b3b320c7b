// The gateway's two HTTP/1.1 listeners: the merchant API over TLS (1.2 or 1.3, ECDHE with AEAD
// ciphers, optional client certificates) and the admin endpoints in plain HTTP on loopback.
// Keep-alive and pipelining (answered in order), header and body caps, per-read deadlines, a
// bound on connections and on requests in flight (503 at once above it). Sessions live on the
// worker io_contexts, spread round-robin. Asio and Beast stay in http_server.cc (pimpl).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "config/config.h"
#include "config/result.h"
#include "gateway/http_message.h"

namespace boost::asio {
class io_context;
}

namespace sy::gateway {

struct http_server_counters {
  std::uint64_t connections_open = 0;      // gauge, both listeners
  std::uint64_t connections_accepted = 0;  // merchant listener
  std::uint64_t connections_shed = 0;      // over connection_count_max: answered 503, closed
  std::uint64_t connections_refused = 0;   // closed at accept: over the shedding bound too
  std::uint64_t requests_inflight = 0;     // gauge: merchant requests being handled
  std::uint64_t requests_shed = 0;         // answered 503 at once: over inflight_count_max
  std::uint64_t handshakes_failed = 0;     // TLS handshakes that failed or timed out
  std::uint64_t protocol_errors = 0;  // not HTTP, header or body over its cap: answered, closed
  std::uint64_t timeouts = 0;         // reads or writes past their deadline: closed
};

class http_server {
 public:
  // Binds both listeners of `cfg` (port 0: the kernel picks) and loads the merchant listener's
  // certificate, key and client CA. `merchant` and `admin` handle the requests; they must outlive
  // the server. Nothing is accepted before start(). Errors: the TLS files' errors, bind errors.
  static result<std::unique_ptr<http_server>> create(std::vector<boost::asio::io_context*> workers,
                                                     const config::config& cfg,
                                                     request_handler merchant,
                                                     request_handler admin);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t merchant_port() const noexcept;
  std::uint16_t admin_port() const noexcept;

  void start();
  // Graceful stop, blocking: stops accepting, lets requests in flight finish for at most
  // `deadline` (each connection closes after its current answer), then closes every connection.
  // Not from a worker thread.
  void stop(std::chrono::milliseconds deadline);

  http_server_counters counters() const noexcept;

  struct impl;

 private:
  explicit http_server(std::shared_ptr<impl> state) noexcept;
  std::shared_ptr<impl> impl_;
};

}  // namespace sy::gateway
