// The simulated issuer's decline rules: a card list, an amount limit and amount suffixes.
#include "routing/sim/bank_rules.h"

#include "config/limits.h"

namespace sy::routing::sim {

bank_rules::bank_rules(const rule_settings& settings)
    : amounts_(settings.decline_amount), amount_limit_(settings.amount_limit) {
  // The first rule for a card wins, as it would in a list read top to bottom.
  for (const auto& rule : settings.decline_card) cards_.emplace(rule.pan, rule.response_code);
}

std::string_view bank_rules::decide(std::string_view pan, std::string_view amount) const noexcept {
  if (!cards_.empty() && !pan.empty()) {
    // Heterogeneous lookup needs C++20 transparent hashing; one short copy is cheap enough here.
    const auto it = cards_.find(std::string(pan));
    if (it != cards_.end()) return it->second;
  }
  if (amount_limit_ > 0 && parse_amount(amount) > amount_limit_) return "61";
  for (const auto& rule : amounts_) {
    if (amount.size() >= rule.suffix.size() &&
        amount.substr(amount.size() - rule.suffix.size()) == rule.suffix) {
      return rule.response_code;
    }
  }
  return "00";
}

std::int64_t parse_amount(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > limits::sim_amount_suffix_digits_max) return -1;
  std::int64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace sy::routing::sim
