// ISO 4217 currencies: the table of active codes (alpha, numeric, minor-unit exponent) and fast
// lookups by alphabetic and by numeric code. The data lives in currency.cc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sy::protocol {

// A currency as ISO 4217 lists it. A value type of six bytes; `currency{}` (numeric 0) is
// "no currency" and never comes out of a lookup.
struct currency {
  std::array<char, 3> alpha{};
  std::uint16_t numeric = 0;
  std::uint8_t exponent = 0;  // minor-unit digits: JPY 0, CNY 2, KWD 3, CLF 4

  constexpr std::string_view code() const noexcept { return {alpha.data(), alpha.size()}; }
  friend constexpr bool operator==(const currency&, const currency&) = default;
};

// Every active code that has a minor-unit exponent, sorted by alphabetic code. Codes whose
// exponent ISO 4217 gives as "N.A." (XAU, XAG, XPT, XPD, XDR, XBA-XBD, XSU, XUA, XTS, XXX)
// are left out: no amount in minor units exists for them.
std::span<const currency> currencies() noexcept;

// The currency with this upper-case alphabetic code; nullopt for anything else (lower case
// included: the API asks for upper case).
std::optional<currency> find_currency(std::string_view alpha) noexcept;

// The currency with this ISO 4217 numeric code (ISO 8583 DE 49); nullopt when none is active.
std::optional<currency> find_currency(std::uint16_t numeric) noexcept;

}  // namespace sy::protocol
