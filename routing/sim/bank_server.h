// The bank simulator's TCP server: accepts the switch's connections, frames the byte stream and
// hands each frame to a bank_responder, writing answers after their simulated latency. Asio stays
// in bank_server.cc (pimpl), so including this header costs nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/result.h"
#include "routing/sim/bank_responder.h"

namespace sy::routing::sim {

class bank_server {
 public:
  // `responder` must outlive the server; the server uses it from the thread that calls run().
  explicit bank_server(bank_responder& responder);
  ~bank_server();
  bank_server(const bank_server&) = delete;
  bank_server& operator=(const bank_server&) = delete;

  // Serves TLS (1.2 or later) with this certificate and key, and asks for and verifies client
  // certificates when client_ca_path is set (mutual TLS). Call before listen(). Errors: the file
  // and OpenSSL errors of loading the certificate, key or CA.
  result<void> use_tls(const sim_tls_settings& tls);

  // Binds and listens on `host`:`port` (port 0: the kernel picks). Returns the bound address as
  // "HOST:PORT". Errors: resolve, bind and listen errors from the system.
  result<std::string> listen(const std::string& host, std::uint16_t port);

  // From now on SIGINT and SIGTERM make run() return (call before announcing the port, so a
  // signal sent as soon as it is known already stops cleanly).
  void stop_on_signals();

  // Serves on the calling thread until stop() or a signal of stop_on_signals().
  void run();

  // Stops run() from any thread: the acceptor and every connection close.
  void stop();

  struct impl;  // defined in bank_server.cc, where Asio lives

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sy::routing::sim
