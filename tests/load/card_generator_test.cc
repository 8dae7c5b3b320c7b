// Test cards: within the configured BIN ranges, of the configured length, passing the Luhn check
// as the switch's own validation (protocol/pan.h) computes it.
#include "bench/load/card_generator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/pan.h"

namespace sy::load {
namespace {

TEST(CardGenerator, ParsesBinRanges) {
  const auto range = parse_bin_range("411111-411199");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->low, 411111u);
  EXPECT_EQ(range->high, 411199u);
  EXPECT_EQ(range->digits, 6u);
  const auto prefix = parse_bin_range("4");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->low, 4u);
  EXPECT_EQ(prefix->high, 4u);
  EXPECT_EQ(parse_bin_range("0622-0625")->digits, 4u) << "leading zeros count as digits";
}

TEST(CardGenerator, RefusesMalformedBinRanges) {
  for (const char* bad :
       {"", "-", "4-", "-4", "41-4", "5-4", "4a", "41 1", "123456789012", "411111-411199-4"}) {
    EXPECT_FALSE(parse_bin_range(bad)) << bad;
  }
}

TEST(CardGenerator, ComputesTheLuhnCheckDigit) {
  EXPECT_EQ(luhn_check_digit("7992739871"), '3');  // the textbook example 79927398713
  EXPECT_EQ(luhn_check_digit("411111111111111"), '1');
  EXPECT_EQ(luhn_check_digit("0"), '0');
}

TEST(CardGenerator, NumbersAreValidOfTheLengthAndInTheRanges) {
  const std::vector<bin_range> ranges{*parse_bin_range("411111-411199"),
                                      *parse_bin_range("222100-272099"), *parse_bin_range("62")};
  for (const std::size_t length : {12u, 16u, 19u}) {
    card_generator cards(ranges, length, 42);
    std::set<std::string> distinct;
    for (int i = 0; i < 10'000; ++i) {
      const std::string number(cards.next());
      ASSERT_EQ(number.size(), length);
      EXPECT_TRUE(protocol::luhn_valid(number)) << number;
      const auto bin6 = std::stoul(number.substr(0, 6));
      const bool in_range = (bin6 >= 411111 && bin6 <= 411199) ||
                            (bin6 >= 222100 && bin6 <= 272099) || number.starts_with("62");
      EXPECT_TRUE(in_range) << number;
      distinct.insert(number);
    }
    EXPECT_GT(distinct.size(), 9'900u) << "cards spread over the risk state as real ones do";
  }
}

TEST(CardGenerator, EveryPrefixOfARangeIsDrawn) {
  card_generator cards({*parse_bin_range("40-49")}, 16, 7);
  std::set<char> second_digits;
  for (int i = 0; i < 1'000; ++i) second_digits.insert(cards.next()[1]);
  EXPECT_EQ(second_digits.size(), 10u);
}

}  // namespace
}  // namespace sy::load
