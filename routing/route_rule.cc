// Matching one compiled rule against a request: cheapest criteria first.
#include "routing/route_rule.h"

#include <algorithm>

namespace sy::routing {

bool matches_besides_bins(const route_rule& rule, const route_request& request,
                          protocol::card_brand brand) noexcept {
  if (rule.methods != 0 && (rule.methods & method_bit(request.method)) == 0) return false;
  if (rule.brands != 0 && (rule.brands & brand_bit(brand)) == 0) return false;
  if (request.amount_minor < rule.amount_min || request.amount_minor > rule.amount_max) {
    return false;
  }
  if (!rule.currencies.empty() &&
      !std::binary_search(rule.currencies.begin(), rule.currencies.end(),
                          request.currency.numeric)) {
    return false;
  }
  if (!rule.merchants.empty() &&
      !std::binary_search(rule.merchants.begin(), rule.merchants.end(), request.merchant_id,
                          [](std::string_view a, std::string_view b) { return a < b; })) {
    return false;
  }
  return true;
}

}  // namespace sy::routing
