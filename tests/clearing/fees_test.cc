// Fees in minor units: round-half-even, overrides by brand or channel, the refund policies.
#include "clearing/fees.h"

#include <gtest/gtest.h>

#include <limits>

namespace sy::clearing {
namespace {

TEST(Fees, PercentageRoundsHalfToEven) {
  EXPECT_EQ(percentage_fee(50, 100), 0);   // 0.5 -> 0
  EXPECT_EQ(percentage_fee(150, 100), 2);  // 1.5 -> 2
  EXPECT_EQ(percentage_fee(250, 100), 2);  // 2.5 -> 2
  EXPECT_EQ(percentage_fee(251, 100), 3);  // 2.51 -> 3
  EXPECT_EQ(percentage_fee(1000, 150), 15);
  EXPECT_EQ(percentage_fee(0, 150), 0);
}

TEST(Fees, PercentageOfTheLargestAmountDoesNotOverflow) {
  constexpr auto big = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(percentage_fee(big, 10'000), big);
  EXPECT_EQ(percentage_fee(big, 1), big / 10'000 + 1);  // ...5807 / 10^4 rounds up
}

TEST(Fees, FirstMatchingOverrideWins) {
  config::fee_schedule fees;
  fees.base = {100, 0};
  fees.overrides.push_back({"", "bank_b", {50, 0}});
  fees.overrides.push_back({"amex", "", {300, 0}});
  EXPECT_EQ(rate_for(fees, "visa", "bank_a").basis_points, 100);
  EXPECT_EQ(rate_for(fees, "amex", "bank_a").basis_points, 300);
  EXPECT_EQ(rate_for(fees, "amex", "bank_b").basis_points, 50);  // listed first
}

TEST(Fees, PaymentFeeAddsTheFixedPart) {
  EXPECT_EQ(payment_fee({150, 10}, 1000), 25);
}

TEST(Fees, RefundFeeFollowsThePolicy) {
  config::fee_schedule fees;
  fees.base = {150, 10};
  fees.refund_policy = config::refund_fee_policy::keep;
  EXPECT_EQ(refund_fee(fees, fees.base, 400, 1000), 0);
  fees.refund_policy = config::refund_fee_policy::charge;
  EXPECT_EQ(refund_fee(fees, fees.base, 400, 1000), 16);  // 6 + 10
  fees.refund_policy = config::refund_fee_policy::refund;
  EXPECT_EQ(refund_fee(fees, fees.base, 400, 1000), -10);   // 25 * 0.4
  EXPECT_EQ(refund_fee(fees, fees.base, 1000, 1000), -25);  // all of it
  EXPECT_EQ(refund_fee(fees, fees.base, 500, 1000), -12);   // 12.5 -> 12
}

}  // namespace
}  // namespace sy::clearing
