#include "protocol/card_brand.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::protocol {
namespace {

struct brand_case {
  const char* prefix;
  card_brand brand;
};

TEST(CardBrand, EveryRangeBoundary) {
  const brand_case cases[] = {
      {"411111", card_brand::visa},       {"400000", card_brand::visa},
      {"510000", card_brand::mastercard}, {"559999", card_brand::mastercard},
      {"222100", card_brand::mastercard}, {"272099", card_brand::mastercard},
      {"222099", card_brand::unknown},    {"272100", card_brand::unknown},
      {"500000", card_brand::unknown},    {"560000", card_brand::unknown},
      {"620000", card_brand::unionpay},   {"629999", card_brand::unionpay},
      {"810000", card_brand::unionpay},   {"819999", card_brand::unionpay},
      {"340000", card_brand::amex},       {"370000", card_brand::amex},
      {"350000", card_brand::unknown},    {"352800", card_brand::jcb},
      {"358999", card_brand::jcb},        {"352799", card_brand::unknown},
      {"359000", card_brand::unknown},    {"601100", card_brand::discover},
      {"601200", card_brand::unknown},    {"644000", card_brand::discover},
      {"649999", card_brand::discover},   {"643999", card_brand::unknown},
      {"650000", card_brand::discover},   {"300000", card_brand::diners},
      {"305999", card_brand::diners},     {"306000", card_brand::unknown},
      {"309500", card_brand::diners},     {"360000", card_brand::diners},
      {"380000", card_brand::diners},     {"399999", card_brand::diners},
      {"100000", card_brand::unknown},    {"900000", card_brand::unknown},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(brand_of(std::string(c.prefix) + "0000000000"), c.brand) << c.prefix;
  }
}

TEST(CardBrand, DiscoverCoBrandRangeIsUnionPay) {
  EXPECT_EQ(brand_of("6221260000000000"), card_brand::unionpay);
  EXPECT_EQ(brand_of("6229250000000000"), card_brand::unionpay);
}

TEST(CardBrand, ShortOrNonDigitInputDecidesOnlyWhatItCan) {
  EXPECT_EQ(brand_of(""), card_brand::unknown);
  EXPECT_EQ(brand_of("4"), card_brand::visa);
  EXPECT_EQ(brand_of("35"), card_brand::unknown);  // JCB needs 4 digits to decide
  EXPECT_EQ(brand_of("3528"), card_brand::jcb);
  EXPECT_EQ(brand_of("x4111111"), card_brand::unknown);
  EXPECT_EQ(brand_of("5x"), card_brand::unknown);
}

TEST(CardBrand, NamesRoundTrip) {
  for (const auto brand :
       {card_brand::visa, card_brand::mastercard, card_brand::unionpay, card_brand::amex,
        card_brand::jcb, card_brand::discover, card_brand::diners}) {
    EXPECT_EQ(card_brand_from_string(to_string(brand)), brand);
  }
  EXPECT_EQ(to_string(card_brand::visa), "visa");
  EXPECT_EQ(to_string(card_brand::unionpay), "unionpay");
  EXPECT_EQ(to_string(card_brand::unknown), "unknown");
}

TEST(CardBrand, FromStringRejectsOtherNames) {
  EXPECT_FALSE(card_brand_from_string("unknown").has_value());
  EXPECT_FALSE(card_brand_from_string("Visa").has_value());
  EXPECT_FALSE(card_brand_from_string("").has_value());
}

}  // namespace
}  // namespace sy::protocol
