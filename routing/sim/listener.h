// Binding a simulator's listening socket and its TLS context, shared by the bank and wallet
// servers. It names Asio types: include it only from their server translation units.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "config/result.h"
#include "routing/sim/bank_config.h"

namespace sy::routing::sim {

// Resolves `host`, binds `acceptor` to it and `port` (0: the kernel picks) and listens. Returns
// the bound address as "HOST:PORT" ("[v6]:PORT"). Errors: the system's resolve, bind and listen
// errors.
inline result<std::string> bind_listener(boost::asio::ip::tcp::acceptor& acceptor,
                                         const std::string& host, std::uint16_t port) {
  using tcp = boost::asio::ip::tcp;
  boost::system::error_code ec;
  tcp::resolver resolver(acceptor.get_executor());
  const auto found = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return ec;
  const tcp::endpoint endpoint = found.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return ec;
  const auto address = bound.address().to_string();
  return (bound.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(bound.port());
}

// A TLS 1.2+ server context with `tls`'s certificate and key into `out`; with client_ca_path it
// asks for and verifies client certificates (mutual TLS). Errors: the file and OpenSSL errors of
// loading the certificate, key or CA (`out` is then empty).
inline result<void> make_server_tls(std::optional<boost::asio::ssl::context>& out,
                                    const sim_tls_settings& tls) {
  namespace ssl = boost::asio::ssl;
  auto& context = out.emplace(ssl::context::tls_server);
  boost::system::error_code ec;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1,
                      ec);
  if (!ec) context.use_certificate_chain_file(tls.certificate_path, ec);
  if (!ec) context.use_private_key_file(tls.key_path, ssl::context::pem, ec);
  if (!ec && !tls.client_ca_path.empty()) {
    context.load_verify_file(tls.client_ca_path, ec);
    if (!ec) context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  if (!ec) return {};
  out.reset();
  return ec;
}

}  // namespace sy::routing::sim
