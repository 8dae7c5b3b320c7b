#include "protocol/payment_types.h"

#include <gtest/gtest.h>

namespace sy::protocol {
namespace {

TEST(PaymentTypes, PaymentStatusNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(payment_status::failed); ++i) {
    const auto status = static_cast<payment_status>(i);
    EXPECT_EQ(payment_status_from_string(to_string(status)), status);
  }
  EXPECT_EQ(to_string(payment_status::partially_refunded), "partially_refunded");
  EXPECT_FALSE(payment_status_from_string("approved").has_value());
}

TEST(PaymentTypes, RefundStatusNamesRoundTrip) {
  for (const auto status :
       {refund_status::pending, refund_status::succeeded, refund_status::failed}) {
    EXPECT_EQ(refund_status_from_string(to_string(status)), status);
  }
  EXPECT_EQ(to_string(refund_status::succeeded), "succeeded");
}

TEST(PaymentTypes, DeclineNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(decline::merchant_frozen); ++i) {
    const auto code = static_cast<decline>(i);
    EXPECT_FALSE(to_string(code).empty());
    EXPECT_EQ(decline_from_string(to_string(code)), code);
  }
  EXPECT_EQ(to_string(decline::insufficient_funds), "insufficient_funds");
  EXPECT_FALSE(decline_from_string("approved").has_value());
}

TEST(PaymentTypes, ResponseCodesOfTheBankLinkSpecMapToDeclines) {
  EXPECT_FALSE(decline_from_response_code("00").has_value());
  EXPECT_EQ(decline_from_response_code("05"), decline::do_not_honor);
  EXPECT_EQ(decline_from_response_code("14"), decline::invalid_card_number);
  EXPECT_EQ(decline_from_response_code("51"), decline::insufficient_funds);
  EXPECT_EQ(decline_from_response_code("54"), decline::expired_card);
  EXPECT_EQ(decline_from_response_code("61"), decline::amount_limit_exceeded);
  EXPECT_EQ(decline_from_response_code("91"), decline::issuer_unavailable);
  EXPECT_EQ(decline_from_response_code("96"), decline::system_malfunction);
  EXPECT_EQ(decline_from_response_code("43"), decline::card_blocked);
}

TEST(PaymentTypes, UnknownResponseCodeIsDoNotHonor) {
  EXPECT_EQ(decline_from_response_code("Z9"), decline::do_not_honor);
  EXPECT_EQ(decline_from_response_code(""), decline::do_not_honor);
}

TEST(PaymentTypes, ResponseCodeOfDeclineRoundTrips) {
  for (int i = 0; i <= static_cast<int>(decline::merchant_frozen); ++i) {
    const auto code = static_cast<decline>(i);
    if (const auto de39 = response_code_of(code)) {
      EXPECT_EQ(decline_from_response_code(*de39), code) << *de39;
    }
  }
  EXPECT_EQ(response_code_of(decline::insufficient_funds), "51");
  EXPECT_FALSE(response_code_of(decline::merchant_frozen).has_value());
  EXPECT_FALSE(response_code_of(decline::risk_limit_exceeded).has_value());
  EXPECT_FALSE(response_code_of(decline::velocity_limit_exceeded).has_value());
}

}  // namespace
}  // namespace sy::protocol
