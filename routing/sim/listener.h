// Binding a simulator's listening socket, shared by the bank and wallet servers. It names Asio
// types: include it only from their server translation units.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "config/result.h"

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

}  // namespace sy::routing::sim
