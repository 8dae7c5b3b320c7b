// The wallet simulator's HTTP server: keep-alive HTTP/1.1 connections from the switch, each
// request handed to a wallet_responder, answers written after their simulated latency, and
// async completions POSTed to the callback URL. Asio and Beast stay in wallet_server.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "config/result.h"
#include "routing/sim/wallet_responder.h"

namespace sy::routing::sim {

struct wallet_server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t callbacks_sent = 0;     // answered 2xx by the callback endpoint
  std::uint64_t callbacks_failed = 0;   // connect, write or read failed, or a non-2xx answer
  std::uint64_t callbacks_dropped = 0;  // over limits::sim_wallet_callback_count_max at once
};

class wallet_server {
 public:
  // `responder` must outlive the server; the server uses it from the thread that calls run().
  explicit wallet_server(wallet_responder& responder);
  ~wallet_server();
  wallet_server(const wallet_server&) = delete;
  wallet_server& operator=(const wallet_server&) = delete;

  // Serves HTTPS (TLS 1.2 or later) with this certificate and key, and asks for and verifies
  // client certificates when client_ca_path is set. Call before listen(). Errors: the file and
  // OpenSSL errors of loading the certificate, key or CA.
  result<void> use_tls(const sim_tls_settings& tls);

  // Binds and listens on `host`:`port` (port 0: the kernel picks). Returns the bound address as
  // "HOST:PORT". Errors: resolve, bind and listen errors from the system.
  result<std::string> listen(const std::string& host, std::uint16_t port);

  // From now on SIGINT and SIGTERM make run() return.
  void stop_on_signals();

  // Serves on the calling thread until stop() or a signal of stop_on_signals().
  void run();

  // Stops run() from any thread: the acceptor and every connection close.
  void stop();

  // Readable from any thread while run() serves.
  wallet_server_stats stats() const noexcept;

  struct impl;  // defined in wallet_server.cc, where Asio lives

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sy::routing::sim
