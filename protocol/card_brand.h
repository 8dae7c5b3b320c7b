// Card brands and the brand of a PAN by its leading digits (issuer identification ranges).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sy::protocol {

enum class card_brand : std::uint8_t {
  unknown,
  visa,
  mastercard,
  unionpay,
  amex,
  jcb,
  discover,
  diners,
};

// The brand whose range holds the leading digits of `pan` (digits only; at least 6 of them make
// every range decidable), or card_brand::unknown. Ranges: visa 4; mastercard 51-55, 2221-2720;
// amex 34, 37; jcb 3528-3589; diners 300-305, 3095, 36, 38-39; discover 6011, 644-649, 65;
// unionpay 62, 81. 622126-622925 is issued by UnionPay and only accepted by Discover, so it is
// unionpay here: the route follows the issuer's network.
card_brand brand_of(std::string_view pan) noexcept;

// "visa", "mastercard", "unionpay", "amex", "jcb", "discover", "diners", "unknown".
std::string_view to_string(card_brand brand) noexcept;

// The inverse of to_string for the seven real brands; nullopt for anything else (including
// "unknown", which no configuration or request may name).
std::optional<card_brand> card_brand_from_string(std::string_view name) noexcept;

}  // namespace sy::protocol
