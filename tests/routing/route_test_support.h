// Builders of configuration snapshots for the route selection tests: channels by id, routes
// with only the criteria a test names, a health board with every channel up.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "routing/health_board.h"
#include "routing/route_table.h"

namespace sy::routing::test {

inline config::channel channel(std::string id) {
  config::channel c;
  c.id = std::move(id);
  return c;
}

inline config::route route(std::string id, std::vector<std::string> channels) {
  config::route r;
  r.id = std::move(id);
  r.channels = std::move(channels);
  return r;
}

inline config::bin_range bins(std::string low, std::string high) {
  return {std::move(low), std::move(high)};
}
inline config::bin_range bins(const std::string& prefix) {
  return {prefix, prefix};
}

// Channels a, b, c, d (numbers 0 to 3) and the given routes.
inline config::config config_with(std::vector<config::route> routes) {
  config::config cfg;
  for (const char* id : {"a", "b", "c", "d"}) cfg.channels.push_back(channel(id));
  cfg.routes = std::move(routes);
  return cfg;
}

inline route_table table_of(std::vector<config::route> routes) {
  auto table = route_table::build(config_with(std::move(routes)));
  if (!table) throw std::runtime_error("route table: " + table.error().message());
  return std::move(*table);
}

inline void set_up(channel_health& h, bool up = true) {
  h.set_connected(up);
  h.set_signed_on(up);
}

// A board of `count` channels, every one connected and signed on.
inline health_board board_up(std::size_t count = 4) {
  health_board board(count);
  for (std::size_t i = 0; i < count; ++i) set_up(board[i]);
  return board;
}

// A valid card payment of 10.00 CNY by merchant m1 with a Visa test card.
inline route_request card_request(std::string_view pan = "4111111111111111") {
  route_request r;
  r.method = config::payment_method::card;
  r.pan = pan;
  r.currency = *protocol::find_currency("CNY");
  r.amount_minor = 1000;
  r.merchant_id = "m1";
  return r;
}

}  // namespace sy::routing::test
