// The simulated issuer's rules: card list first, then the amount limit, then amount suffixes.
#include "routing/sim/bank_rules.h"

#include <gtest/gtest.h>

namespace sy::routing::sim {
namespace {

TEST(SimBankRules, ApprovesWhatNoRuleMatches) {
  const bank_rules rules(rule_settings{});
  EXPECT_EQ(rules.decide("4111111111111111", "000000001000"), "00");
}

TEST(SimBankRules, DefaultAmountSuffixesDeclineWithTheirCodes) {
  const bank_rules rules(rule_settings{});
  EXPECT_EQ(rules.decide("4111111111111111", "000000001051"), "51");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001005"), "05");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001014"), "14");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001054"), "54");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001091"), "91");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001096"), "96");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001061"), "00");
}

TEST(SimBankRules, ListedCardWinsOverAmountRules) {
  rule_settings settings;
  settings.decline_card.push_back({"4000000000000002", "14"});
  const bank_rules rules(settings);
  EXPECT_EQ(rules.decide("4000000000000002", "000000001000"), "14");
  EXPECT_EQ(rules.decide("4000000000000002", "000000001051"), "14");
  EXPECT_EQ(rules.decide("4111111111111111", "000000001051"), "51");
}

TEST(SimBankRules, AmountAboveTheLimitDeclinesWith61) {
  rule_settings settings;
  settings.amount_limit = 50000;
  const bank_rules rules(settings);
  EXPECT_EQ(rules.decide("4111111111111111", "000000050000"), "00");
  EXPECT_EQ(rules.decide("4111111111111111", "000000050100"), "61");
}

TEST(SimBankRules, ConfiguredSuffixesReplaceTheDefaultsInOrder) {
  rule_settings settings;
  settings.decline_amount = {{"999", "91"}, {"99", "05"}};
  const bank_rules rules(settings);
  EXPECT_EQ(rules.decide("", "000000001999"), "91");
  EXPECT_EQ(rules.decide("", "000000001099"), "05");
  EXPECT_EQ(rules.decide("", "000000001051"), "00");
}

TEST(SimBankRules, GarbageAmountMatchesNoLimitAndNeverFails) {
  rule_settings settings;
  settings.amount_limit = 10;
  const bank_rules rules(settings);
  EXPECT_EQ(rules.decide("", ""), "00");
  EXPECT_EQ(rules.decide("x", "abc"), "00");
  EXPECT_EQ(parse_amount("000000001234"), 1234);
  EXPECT_EQ(parse_amount("12a"), -1);
  EXPECT_EQ(parse_amount("1234567890123"), -1);
}

}  // namespace
}  // namespace sy::routing::sim
