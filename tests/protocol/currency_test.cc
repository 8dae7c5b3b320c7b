#include "protocol/currency.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sy::protocol {
namespace {

TEST(Currency, TableIsSortedAndCodesAreUnique) {
  const auto table = currencies();
  std::set<std::string> alphas;
  std::set<std::uint16_t> numerics;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& entry = table[i];
    for (const char ch : entry.code()) EXPECT_TRUE(ch >= 'A' && ch <= 'Z') << entry.code();
    EXPECT_GT(entry.numeric, 0);
    EXPECT_LT(entry.numeric, 1000);
    EXPECT_LE(entry.exponent, 4) << entry.code();
    EXPECT_TRUE(alphas.insert(std::string(entry.code())).second) << entry.code();
    EXPECT_TRUE(numerics.insert(entry.numeric).second) << entry.numeric;
    if (i > 0) {
      EXPECT_LT(table[i - 1].code(), entry.code());
    }
  }
}

TEST(Currency, TableHoldsTheActiveList) {
  EXPECT_GE(currencies().size(), 150u);
  EXPECT_LE(currencies().size(), 180u);
}

TEST(Currency, KnownEntries) {
  struct known {
    const char* alpha;
    std::uint16_t numeric;
    std::uint8_t exponent;
  };
  const known entries[] = {
      {"CNY", 156, 2}, {"USD", 840, 2}, {"EUR", 978, 2}, {"JPY", 392, 0}, {"KWD", 414, 3},
      {"BHD", 48, 3},  {"CLF", 990, 4}, {"UYW", 927, 4}, {"XOF", 952, 0}, {"KRW", 410, 0},
      {"ISK", 352, 0}, {"TND", 788, 3}, {"ALL", 8, 2},   {"GBP", 826, 2}, {"XCG", 532, 2},
      {"ZWG", 924, 2}, {"VES", 928, 2}, {"SLE", 925, 2}, {"UYI", 940, 0}, {"HKD", 344, 2},
  };
  for (const auto& entry : entries) {
    const auto by_alpha = find_currency(std::string_view(entry.alpha));
    ASSERT_TRUE(by_alpha.has_value()) << entry.alpha;
    EXPECT_EQ(by_alpha->numeric, entry.numeric) << entry.alpha;
    EXPECT_EQ(by_alpha->exponent, entry.exponent) << entry.alpha;
    const auto by_numeric = find_currency(entry.numeric);
    ASSERT_TRUE(by_numeric.has_value()) << entry.numeric;
    EXPECT_EQ(by_numeric->code(), entry.alpha);
  }
}

TEST(Currency, EveryEntryIsFoundBothWays) {
  for (const auto& entry : currencies()) {
    EXPECT_EQ(find_currency(entry.code()), entry);
    EXPECT_EQ(find_currency(entry.numeric), entry);
  }
}

TEST(Currency, CodesWithoutMinorUnitsAndWithdrawnCodesAreAbsent) {
  for (const char* code :
       {"XAU", "XAG", "XDR", "XTS", "XXX", "XUA", "XSU", "HRK", "ANG", "ZWL", "VEF", "SLL"}) {
    EXPECT_FALSE(find_currency(std::string_view(code)).has_value()) << code;
  }
  EXPECT_FALSE(find_currency(std::uint16_t{959}).has_value());  // XAU
}

TEST(Currency, LookupRejectsMalformedCodes) {
  EXPECT_FALSE(find_currency(std::string_view("cny")).has_value());
  EXPECT_FALSE(find_currency(std::string_view("CN")).has_value());
  EXPECT_FALSE(find_currency(std::string_view("CNYY")).has_value());
  EXPECT_FALSE(find_currency(std::string_view("")).has_value());
  EXPECT_FALSE(find_currency(std::string_view("AAA")).has_value());
  EXPECT_FALSE(find_currency(std::string_view("ZZZ")).has_value());
  EXPECT_FALSE(find_currency(std::uint16_t{0}).has_value());
  EXPECT_FALSE(find_currency(std::uint16_t{1000}).has_value());
  EXPECT_FALSE(find_currency(std::uint16_t{65535}).has_value());
}

}  // namespace
}  // namespace sy::protocol
