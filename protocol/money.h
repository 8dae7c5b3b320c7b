// Money: an amount in a currency's minor units (int64, never floating point), overflow-checked
// arithmetic, the human form of an amount, and the half-even fee rounding clearing relies on.
#pragma once

#include <cstdint>
#include <string>

#include "config/result.h"
#include "protocol/currency.h"

namespace sy::protocol {

struct money {
  std::int64_t amount = 0;  // minor units of `currency` (1099 CNY = 10.99 yuan)
  protocol::currency currency;

  friend constexpr bool operator==(const money&, const money&) = default;
};

// a + b. Error: errc::amount_overflow.
result<std::int64_t> checked_add(std::int64_t a, std::int64_t b) noexcept;
// a - b. Error: errc::amount_overflow.
result<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) noexcept;
// a * b. Error: errc::amount_overflow.
result<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept;

// Sum and difference of two amounts in one currency.
// Errors: errc::currency_mismatch, errc::amount_overflow.
result<money> add(const money& a, const money& b) noexcept;
result<money> subtract(const money& a, const money& b) noexcept;

// `amount` minor units written with `exponent` decimals for humans: (1099, 2) -> "10.99",
// (5, 0) -> "5", (1, 3) -> "0.001", (-50, 2) -> "-0.50". No thousands separators, no locale.
std::string format_amount(std::int64_t amount, std::uint8_t exponent);

// "10.99 CNY".
std::string to_string(const money& m);

// A fee of `basis_points` (1/100 of a percent) on `amount`: amount * basis_points / 10000,
// rounded half to even in minor units (bankers' rounding, so rounding errors do not drift one way
// over a settlement file). Exact for every int64 input; negative amounts (refunds) round
// symmetrically. Error: errc::amount_overflow when the fee itself does not fit in int64.
result<std::int64_t> fee_half_even(std::int64_t amount, std::int64_t basis_points) noexcept;

}  // namespace sy::protocol
