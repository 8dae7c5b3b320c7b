#include "protocol/money.h"

#include <gtest/gtest.h>

#include <limits>

#include "protocol/errc.h"

namespace sy::protocol {
namespace {

constexpr auto int64_max = std::numeric_limits<std::int64_t>::max();
constexpr auto int64_min = std::numeric_limits<std::int64_t>::min();

currency cny() {
  return *find_currency("CNY");
}
currency jpy() {
  return *find_currency("JPY");
}

TEST(Money, CheckedArithmeticReportsOverflow) {
  EXPECT_EQ(*checked_add(1, 2), 3);
  EXPECT_EQ(checked_add(int64_max, 1).error(), make_error_code(errc::amount_overflow));
  EXPECT_EQ(checked_add(int64_min, -1).error(), make_error_code(errc::amount_overflow));
  EXPECT_EQ(*checked_sub(5, 7), -2);
  EXPECT_EQ(checked_sub(int64_min, 1).error(), make_error_code(errc::amount_overflow));
  EXPECT_EQ(*checked_mul(-3, 4), -12);
  EXPECT_EQ(checked_mul(int64_max / 2 + 1, 2).error(), make_error_code(errc::amount_overflow));
}

TEST(Money, AddAndSubtractKeepTheCurrency) {
  const auto sum = add(money{1000, cny()}, money{99, cny()});
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(*sum, (money{1099, cny()}));
  const auto difference = subtract(money{1000, cny()}, money{1099, cny()});
  ASSERT_TRUE(difference.has_value());
  EXPECT_EQ(difference->amount, -99);
}

TEST(Money, ArithmeticAcrossCurrenciesIsAnError) {
  EXPECT_EQ(add(money{1, cny()}, money{1, jpy()}).error(),
            make_error_code(errc::currency_mismatch));
  EXPECT_EQ(subtract(money{1, cny()}, money{1, jpy()}).error(),
            make_error_code(errc::currency_mismatch));
}

TEST(Money, AddReportsOverflow) {
  EXPECT_EQ(add(money{int64_max, cny()}, money{1, cny()}).error(),
            make_error_code(errc::amount_overflow));
}

TEST(Money, FormatsWithTheCurrencyExponent) {
  EXPECT_EQ(format_amount(1099, 2), "10.99");
  EXPECT_EQ(format_amount(5, 0), "5");
  EXPECT_EQ(format_amount(1, 3), "0.001");
  EXPECT_EQ(format_amount(0, 2), "0.00");
  EXPECT_EQ(format_amount(-50, 2), "-0.50");
  EXPECT_EQ(format_amount(12345, 4), "1.2345");
  EXPECT_EQ(format_amount(100, 2), "1.00");
  EXPECT_EQ(format_amount(int64_min, 2), "-92233720368547758.08");
  EXPECT_EQ(format_amount(int64_max, 0), "9223372036854775807");
}

TEST(Money, ToStringAppendsTheCode) {
  EXPECT_EQ(to_string(money{1099, cny()}), "10.99 CNY");
  EXPECT_EQ(to_string(money{5, jpy()}), "5 JPY");
  EXPECT_EQ(to_string(money{1, *find_currency("KWD")}), "0.001 KWD");
}

struct fee_case {
  std::int64_t amount;
  std::int64_t basis_points;
  std::int64_t fee;
};

TEST(Money, FeeRoundsHalfToEven) {
  const fee_case cases[] = {
      {10000, 100, 100},  // exact: 1% of 100.00
      {50, 100, 0},       // 0.5 -> 0 (even)
      {150, 100, 2},      // 1.5 -> 2 (even)
      {250, 100, 2},      // 2.5 -> 2 (even)
      {350, 100, 4},      // 3.5 -> 4
      {149, 100, 1},      // 1.49 -> 1
      {151, 100, 2},      // 1.51 -> 2
      {1099, 250, 27},    // 27.475 -> 27
      {1100, 250, 28},    // 27.5 -> 28 (even)
      {1300, 250, 32},    // 32.5 -> 32 (even)
      {-150, 100, -2},    // refunds round symmetrically
      {-250, 100, -2},   {-149, 100, -1}, {0, 300, 0}, {12345, 0, 0},
  };
  for (const auto& c : cases) {
    const auto fee = fee_half_even(c.amount, c.basis_points);
    ASSERT_TRUE(fee.has_value());
    EXPECT_EQ(*fee, c.fee) << c.amount << " x " << c.basis_points << " bp";
  }
}

TEST(Money, FeeIsExactWhereTheProductOverflowsInt64) {
  // int64_max * 10000 overflows int64, yet 100% of it is exactly itself.
  EXPECT_EQ(*fee_half_even(int64_max, 10000), int64_max);
  EXPECT_EQ(*fee_half_even(int64_min, 10000), int64_min);
  EXPECT_EQ(*fee_half_even(int64_max, 5000), int64_max / 2 + 1);  // ...03.5 -> ...04 (even)
}

TEST(Money, FeeLargerThanInt64IsAnError) {
  EXPECT_EQ(fee_half_even(int64_max, 20000).error(), make_error_code(errc::amount_overflow));
  EXPECT_EQ(fee_half_even(int64_min, 20000).error(), make_error_code(errc::amount_overflow));
}

}  // namespace
}  // namespace sy::protocol
