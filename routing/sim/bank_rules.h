// The simulated issuer's decisions: which DE 39 response code a financial request gets, from the
// card list, the amount limit and the amount patterns of the simulator's configuration.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/sim/bank_config.h"

namespace sy::routing::sim {

class bank_rules {
 public:
  explicit bank_rules(const rule_settings& settings);

  // "00" to approve, or the decline code. Order: a listed card, then the amount limit (61), then
  // the first amount suffix that matches. `amount` is DE 4 as received (digits, leading zeros);
  // a pan or amount that is not digits simply matches no rule. Never fails.
  std::string_view decide(std::string_view pan, std::string_view amount) const noexcept;

 private:
  std::unordered_map<std::string, std::string> cards_;  // pan -> response code
  std::vector<amount_rule> amounts_;
  std::int64_t amount_limit_ = 0;
};

// DE 4 digits as an amount in minor units; -1 when they are not 1 to 12 digits.
std::int64_t parse_amount(std::string_view digits) noexcept;

}  // namespace sy::routing::sim
