// One compiled routing rule and the request it is matched against: criteria as bitmasks, sorted
// numbers and sorted ids, so matching reads a few words and never allocates.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "protocol/card_brand.h"
#include "protocol/currency.h"

namespace sy::routing {

// What route selection needs of a payment. Views: the caller keeps the strings alive.
struct route_request {
  config::payment_method method = config::payment_method::card;
  std::string_view pan;  // card payments: the card number; empty for wallets
  protocol::currency currency;
  std::int64_t amount_minor = 0;
  std::string_view merchant_id;
  // Picks among weighted channels: the same key, the same channel while health is unchanged.
  // A hash of the payment id keeps a payment's retries on one split.
  std::uint64_t split_key = 0;
};

struct route_rule {
  std::string id;
  bool has_bins = false;                  // BIN ranges live in the route table's index
  std::uint16_t brands = 0;               // bit per protocol::card_brand; 0: any
  std::uint8_t methods = 0;               // bit per config::payment_method; 0: any
  std::vector<std::uint16_t> currencies;  // ISO 4217 numeric, sorted; empty: any
  std::int64_t amount_min = 0;            // inclusive
  std::int64_t amount_max = std::numeric_limits<std::int64_t>::max();  // inclusive
  std::vector<std::string> merchants;                                  // sorted; empty: any
  std::vector<std::uint8_t> channels;  // channel numbers in failover order
  std::vector<std::uint32_t> weights;  // empty, or one per channel
  bool failover_on_timeout = false;
};

constexpr std::uint16_t brand_bit(protocol::card_brand b) noexcept {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(b));
}
constexpr std::uint8_t method_bit(config::payment_method m) noexcept {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(m));
}

// Every criterion but the BIN ranges (the route table's index checks those). `brand` is the
// request's card brand, computed once per request; unknown for wallets.
bool matches_besides_bins(const route_rule& rule, const route_request& request,
                          protocol::card_brand brand) noexcept;

}  // namespace sy::routing
