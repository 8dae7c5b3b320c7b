// Fees in integer minor units: no floating point anywhere near money.
#include "clearing/fees.h"

#include "config/assert.h"

namespace sy::clearing {
namespace {

// amount (< 2^63) times basis points (<= 10^4 by config) or a fee times an amount: the product
// needs more than 64 bits. GCC's and Clang's 128-bit integer, named once for -Wpedantic.
__extension__ using wide = __int128;

// round_half_even(numerator / denominator) for numerator >= 0, denominator > 0.
std::int64_t divide_half_even(wide numerator, wide denominator) noexcept {
  wide q = numerator / denominator;
  const wide twice_remainder = 2 * (numerator % denominator);
  if (twice_remainder > denominator || (twice_remainder == denominator && (q & 1) != 0)) ++q;
  return static_cast<std::int64_t>(q);
}

}  // namespace

const config::fee_rate& rate_for(const config::fee_schedule& fees, std::string_view brand,
                                 std::string_view channel) noexcept {
  for (const auto& o : fees.overrides) {
    if ((!o.brand.empty() && o.brand == brand) || (!o.channel.empty() && o.channel == channel)) {
      return o.rate;
    }
  }
  return fees.base;
}

std::int64_t percentage_fee(std::int64_t amount, std::int64_t basis_points) noexcept {
  SY_VERIFY(amount >= 0 && basis_points >= 0);
  return divide_half_even(static_cast<wide>(amount) * basis_points, 10'000);
}

std::int64_t payment_fee(const config::fee_rate& rate, std::int64_t amount) noexcept {
  return percentage_fee(amount, rate.basis_points) + rate.fixed_minor;
}

std::int64_t refund_fee(const config::fee_schedule& fees, const config::fee_rate& rate,
                        std::int64_t amount, std::int64_t settled) noexcept {
  switch (fees.refund_policy) {
    case config::refund_fee_policy::keep:
      return 0;
    case config::refund_fee_policy::charge:
      return payment_fee(rate, amount);
    case config::refund_fee_policy::refund:
      break;
  }
  // refunded <= captured is the payment model's invariant (SY_VERIFY there too).
  SY_VERIFY(amount > 0 && settled >= amount);
  return -divide_half_even(static_cast<wide>(payment_fee(rate, settled)) * amount, settled);
}

}  // namespace sy::clearing
