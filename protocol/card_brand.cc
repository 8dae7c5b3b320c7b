// The issuer identification ranges of each brand, as data, most specific range first.
#include "protocol/card_brand.h"

#include <array>

namespace sy::protocol {
namespace {

// A range of prefixes of `digits` length: lo <= prefix <= hi.
struct brand_range {
  std::uint8_t digits;
  std::uint32_t lo;
  std::uint32_t hi;
  card_brand brand;
};

// No two ranges overlap, so order does not matter. Discover's co-brand range 622126-622925 has
// no row of its own: it lies inside unionpay's 62 (see brand_of in the header).
constexpr std::array ranges{
    brand_range{1, 4, 4, card_brand::visa},
    brand_range{2, 51, 55, card_brand::mastercard},
    brand_range{4, 2221, 2720, card_brand::mastercard},
    brand_range{2, 34, 34, card_brand::amex},
    brand_range{2, 37, 37, card_brand::amex},
    brand_range{4, 3528, 3589, card_brand::jcb},
    brand_range{3, 300, 305, card_brand::diners},
    brand_range{4, 3095, 3095, card_brand::diners},
    brand_range{2, 36, 36, card_brand::diners},
    brand_range{2, 38, 39, card_brand::diners},
    brand_range{2, 62, 62, card_brand::unionpay},
    brand_range{2, 81, 81, card_brand::unionpay},
    brand_range{4, 6011, 6011, card_brand::discover},
    brand_range{3, 644, 649, card_brand::discover},
    brand_range{2, 65, 65, card_brand::discover},
};

constexpr std::array<std::string_view, 8> names{
    "unknown", "visa", "mastercard", "unionpay", "amex", "jcb", "discover", "diners",
};

}  // namespace

card_brand brand_of(std::string_view pan) noexcept {
  // prefix[n] = value of the first n digits; stops at the first non-digit.
  std::array<std::uint32_t, 7> prefix{};
  std::size_t known = 0;
  while (known < 6 && known < pan.size() && pan[known] >= '0' && pan[known] <= '9') {
    prefix[known + 1] = prefix[known] * 10 + static_cast<std::uint32_t>(pan[known] - '0');
    ++known;
  }
  for (const auto& range : ranges) {
    if (range.digits > known) continue;
    const auto value = prefix[range.digits];
    if (value >= range.lo && value <= range.hi) return range.brand;
  }
  return card_brand::unknown;
}

std::string_view to_string(card_brand brand) noexcept {
  const auto index = static_cast<std::size_t>(brand);
  return index < names.size() ? names[index] : names[0];
}

std::optional<card_brand> card_brand_from_string(std::string_view name) noexcept {
  for (std::size_t i = 1; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<card_brand>(i);
  }
  return std::nullopt;
}

}  // namespace sy::protocol
