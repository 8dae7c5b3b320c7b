#include "protocol/pan.h"

#include <gtest/gtest.h>

#include "protocol/errc.h"

namespace sy::protocol {
namespace {

TEST(Pan, LuhnAcceptsKnownTestCards) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_TRUE(luhn_valid("5555555555554444"));
  EXPECT_TRUE(luhn_valid("378282246310005"));
  EXPECT_TRUE(luhn_valid("6221260000000000"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("41111111x1111111"));
}

TEST(Pan, MaskKeepsFirstSixAndLastFour) {
  EXPECT_EQ(mask_pan("4111111111111111"), "411111******1111");
  EXPECT_EQ(mask_pan("378282246310005"), "378282*****0005");
  EXPECT_EQ(mask_pan("1234567890"), "**********");
  EXPECT_EQ(mask_pan(""), "");
}

TEST(Pan, ValidateAcceptsValidNumbers) {
  EXPECT_TRUE(validate_pan("4111111111111111").has_value());
  EXPECT_TRUE(validate_pan("378282246310005").has_value());
  EXPECT_TRUE(validate_pan("6200000000000005").has_value());
}

TEST(Pan, ValidateSaysWhatIsWrong) {
  EXPECT_EQ(validate_pan("4111 1111 1111 1111").error(), make_error_code(errc::pan_not_digits));
  EXPECT_EQ(validate_pan("41111111111111-1").error(), make_error_code(errc::pan_not_digits));
  EXPECT_EQ(validate_pan("").error(), make_error_code(errc::pan_too_short));
  EXPECT_EQ(validate_pan("42424242426").error(), make_error_code(errc::pan_too_short));
  EXPECT_EQ(validate_pan("41111111111111111111").error(), make_error_code(errc::pan_too_long));
  EXPECT_EQ(validate_pan("4111111111111112").error(), make_error_code(errc::pan_luhn_failed));
}

TEST(Pan, ValidateAcceptsTheLengthBounds) {
  EXPECT_TRUE(validate_pan("424242424242").has_value());         // 12 digits
  EXPECT_TRUE(validate_pan("4242424242424242428").has_value());  // 19 digits
}

TEST(Pan, ErrorMessagesNeverHoldTheNumber) {
  const auto failure = validate_pan("4111111111111112");
  EXPECT_EQ(failure.error().message().find("4111"), std::string::npos);
}

TEST(Pan, BinAndLastFour) {
  EXPECT_EQ(pan_bin("4111111111111111"), "411111");
  EXPECT_EQ(pan_last4("4111111111111111"), "1111");
  EXPECT_EQ(pan_bin("378282246310005"), "378282");
  EXPECT_EQ(pan_last4("378282246310005"), "0005");
}

}  // namespace
}  // namespace sy::protocol
