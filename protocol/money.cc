// Overflow-checked money arithmetic, amount formatting and half-even fee rounding.
#include "protocol/money.h"

#include <limits>

#include "protocol/errc.h"

namespace sy::protocol {
namespace {
// GCC and Clang both have it; __extension__ keeps -Wpedantic quiet about the one use.
__extension__ typedef __int128 int128;
}  // namespace

result<std::int64_t> checked_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return make_error_code(errc::amount_overflow);
  return sum;
}

result<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return make_error_code(errc::amount_overflow);
  return difference;
}

result<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return make_error_code(errc::amount_overflow);
  return product;
}

result<money> add(const money& a, const money& b) noexcept {
  if (a.currency != b.currency) return make_error_code(errc::currency_mismatch);
  auto sum = checked_add(a.amount, b.amount);
  if (!sum) return sum.error();
  return money{*sum, a.currency};
}

result<money> subtract(const money& a, const money& b) noexcept {
  if (a.currency != b.currency) return make_error_code(errc::currency_mismatch);
  auto difference = checked_sub(a.amount, b.amount);
  if (!difference) return difference.error();
  return money{*difference, a.currency};
}

std::string format_amount(std::int64_t amount, std::uint8_t exponent) {
  // The magnitude as unsigned, so INT64_MIN formats too.
  const bool negative = amount < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(amount) + 1 : static_cast<std::uint64_t>(amount);
  std::string digits = std::to_string(magnitude);
  if (digits.size() <= exponent) digits.insert(0, exponent + 1 - digits.size(), '0');
  if (exponent > 0) digits.insert(digits.size() - exponent, 1, '.');
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

std::string to_string(const money& m) {
  std::string text = format_amount(m.amount, m.currency.exponent);
  text += ' ';
  text += m.currency.code();
  return text;
}

result<std::int64_t> fee_half_even(std::int64_t amount, std::int64_t basis_points) noexcept {
  constexpr int128 divisor = 10'000;
  // |int64| * |int64| < 2^126: the product always fits in __int128.
  const int128 product = static_cast<int128>(amount) * basis_points;
  const bool negative = product < 0;
  const int128 magnitude = negative ? -product : product;
  int128 quotient = magnitude / divisor;
  const int128 remainder = magnitude % divisor;
  if (remainder * 2 > divisor || (remainder * 2 == divisor && quotient % 2 == 1)) ++quotient;
  const int128 fee = negative ? -quotient : quotient;
  if (fee > std::numeric_limits<std::int64_t>::max() ||
      fee < std::numeric_limits<std::int64_t>::min()) {
    return make_error_code(errc::amount_overflow);
  }
  return static_cast<std::int64_t>(fee);
}

}  // namespace sy::protocol
