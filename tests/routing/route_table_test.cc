// Rule matching: each criterion alone, all of them together, first match in configured order,
// BIN prefixes of different lengths, wallets and malformed card numbers, and build errors.
#include "routing/route_table.h"

#include <gtest/gtest.h>

#include "route_test_support.h"
#include "routing/route_errc.h"

namespace {

using namespace sy::routing;
using namespace sy::routing::test;
using sy::config::payment_method;

// The id of the rule `request` matches in `table`, or "none".
std::string matched(const route_table& table, const route_request& request) {
  const route_rule* rule = table.match(request);
  return rule == nullptr ? "none" : rule->id;
}

sy::config::route with_bins(std::string id, std::vector<sy::config::bin_range> ranges) {
  auto r = route(std::move(id), {"a"});
  r.bins = std::move(ranges);
  return r;
}

TEST(RouteTable, MatchesByBinRange) {
  const auto table = table_of({with_bins("mc", {bins("510000", "559999")})});
  EXPECT_EQ(matched(table, card_request("5500005555555559")), "mc");
  EXPECT_EQ(matched(table, card_request("5100000000000008")), "mc");
  EXPECT_EQ(matched(table, card_request("5599999999999999")), "mc");
  EXPECT_EQ(matched(table, card_request("5600000000000000")), "none");
  EXPECT_EQ(matched(table, card_request("4111111111111111")), "none");
}

TEST(RouteTable, BinPrefixesOfDifferentLengthsFirstMatchWins) {
  const auto table = table_of({
      with_bins("eleven", {bins("41111111111")}),
      with_bins("eight", {bins("41111112", "41111119")}),
      with_bins("six", {bins("411111")}),
      with_bins("one", {bins("4")}),
  });
  EXPECT_EQ(matched(table, card_request("4111111111111111")), "eleven");
  EXPECT_EQ(matched(table, card_request("4111111211111111")), "eight");
  EXPECT_EQ(matched(table, card_request("4111110000000000")), "six");
  EXPECT_EQ(matched(table, card_request("4111111011111111")), "six");
  EXPECT_EQ(matched(table, card_request("4000000000000002")), "one");
}

TEST(RouteTable, FirstMatchingRuleInConfiguredOrderWins) {
  // A broad rule first hides a narrower one after it; rules without BINs interleave correctly.
  const auto table = table_of({
      with_bins("visa", {bins("4")}),
      route("all", {"b"}),
      with_bins("visa_specific", {bins("411111")}),
  });
  EXPECT_EQ(matched(table, card_request("4111111111111111")), "visa");
  EXPECT_EQ(matched(table, card_request("5500005555555559")), "all");

  const auto reversed = table_of({
      route("all", {"b"}),
      with_bins("visa", {bins("4")}),
  });
  EXPECT_EQ(matched(reversed, card_request("4111111111111111")), "all");
}

TEST(RouteTable, MatchesByBrand) {
  auto r = route("amex", {"a"});
  r.brands = {"amex", "jcb"};
  const auto table = table_of({r, route("rest", {"b"})});
  EXPECT_EQ(matched(table, card_request("378282246310005")), "amex");
  EXPECT_EQ(matched(table, card_request("3530111333300000")), "amex");
  EXPECT_EQ(matched(table, card_request("4111111111111111")), "rest");
}

TEST(RouteTable, MatchesByPaymentMethod) {
  auto wallets = route("wallets", {"d"});
  wallets.methods = {payment_method::wallet};
  auto cards = route("cards", {"a"});
  cards.methods = {payment_method::card};
  const auto table = table_of({wallets, cards});
  auto wallet = card_request("");
  wallet.method = payment_method::wallet;
  EXPECT_EQ(matched(table, wallet), "wallets");
  EXPECT_EQ(matched(table, card_request()), "cards");
}

TEST(RouteTable, WalletsNeverMatchBinOrBrandRules) {
  auto brand = route("visa", {"a"});
  brand.brands = {"visa"};
  const auto table = table_of({with_bins("bins", {bins("4")}), brand, route("rest", {"d"})});
  auto wallet = card_request("");
  wallet.method = payment_method::wallet;
  EXPECT_EQ(matched(table, wallet), "rest");
}

TEST(RouteTable, MatchesByCurrency) {
  auto r = route("usd_eur", {"a"});
  r.currencies = {"USD", "EUR"};
  const auto table = table_of({r});
  auto request = card_request();
  request.currency = *sy::protocol::find_currency("EUR");
  EXPECT_EQ(matched(table, request), "usd_eur");
  request.currency = *sy::protocol::find_currency("USD");
  EXPECT_EQ(matched(table, request), "usd_eur");
  request.currency = *sy::protocol::find_currency("CNY");
  EXPECT_EQ(matched(table, request), "none");
}

TEST(RouteTable, MatchesByAmountRangeInclusive) {
  auto r = route("mid", {"a"});
  r.amount_min = 1000;
  r.amount_max = 5000;
  auto low = route("from", {"b"});
  low.amount_min = 100000;
  const auto table = table_of({r, low});
  auto request = card_request();
  for (const auto& [amount, want] : std::vector<std::pair<std::int64_t, std::string>>{
           {999, "none"}, {1000, "mid"}, {5000, "mid"}, {5001, "none"}, {100000, "from"}}) {
    request.amount_minor = amount;
    EXPECT_EQ(matched(table, request), want) << amount;
  }
}

TEST(RouteTable, MatchesByMerchant) {
  auto r = route("big", {"a"});
  r.merchants = {"m9", "m1", "m5"};
  const auto table = table_of({r});
  auto request = card_request();
  for (const char* m : {"m1", "m5", "m9"}) {
    request.merchant_id = m;
    EXPECT_EQ(matched(table, request), "big") << m;
  }
  for (const char* m : {"m2", "", "m10", "M1"}) {
    request.merchant_id = m;
    EXPECT_EQ(matched(table, request), "none") << m;
  }
}

TEST(RouteTable, EveryCriterionMustHold) {
  auto all = with_bins("all", {bins("411111")});
  all.brands = {"visa"};
  all.methods = {payment_method::card};
  all.currencies = {"CNY"};
  all.amount_min = 500;
  all.amount_max = 2000;
  all.merchants = {"m1"};
  const auto table = table_of({all, route("fallback", {"b"})});
  EXPECT_EQ(matched(table, card_request()), "all");

  auto other_bin = card_request("4000000000000002");
  EXPECT_EQ(matched(table, other_bin), "fallback");
  auto currency = card_request();
  currency.currency = *sy::protocol::find_currency("USD");
  EXPECT_EQ(matched(table, currency), "fallback");
  auto amount = card_request();
  amount.amount_minor = 2001;
  EXPECT_EQ(matched(table, amount), "fallback");
  auto merchant = card_request();
  merchant.merchant_id = "m2";
  EXPECT_EQ(matched(table, merchant), "fallback");
}

TEST(RouteTable, MalformedCardNumbersMatchNoBinRuleAndNeverCrash) {
  const auto table = table_of({with_bins("visa", {bins("4")}), route("rest", {"b"})});
  for (const char* pan : {"4", "41111", "4111111111", "4111x11111111111", "\xff\xfe", ""}) {
    EXPECT_EQ(matched(table, card_request(pan)), "rest") << pan;
  }
  const auto strict = table_of({with_bins("visa", {bins("4")})});
  EXPECT_EQ(strict.plan(card_request("41")).matched(), false);
}

TEST(RouteTable, NumbersChannelsInConfigOrder) {
  const auto table = table_of({route("r", {"c", "a"})});
  ASSERT_EQ(table.rules().size(), 1u);
  EXPECT_EQ(table.rules()[0].channels, (std::vector<std::uint8_t>{2, 0}));
  EXPECT_EQ(table.channel_count(), 4u);
  EXPECT_EQ(table.channel_id(2), "c");
}

TEST(RouteTable, BuildRefusesWhatTheLoaderWouldHave) {
  const auto error_of = [](sy::config::route r) {
    auto built = route_table::build(config_with({std::move(r)}));
    return built ? sy::error_code{} : built.error();
  };
  EXPECT_EQ(error_of(route("r", {"a", "zz"})), route_errc::channel_unknown);
  EXPECT_EQ(error_of(route("r", {"a", "b", "a"})), route_errc::channel_repeated);
  EXPECT_EQ(error_of(with_bins("r", {bins("5", "55")})), route_errc::bin_range_invalid);
  EXPECT_EQ(error_of(with_bins("r", {bins("411111111111")})), route_errc::bin_range_invalid);
  auto currency = route("r", {"a"});
  currency.currencies = {"XYZ"};
  EXPECT_EQ(error_of(currency), route_errc::currency_unknown);
  auto brand = route("r", {"a"});
  brand.brands = {"unknown"};
  EXPECT_EQ(error_of(brand), route_errc::brand_unknown);
  auto weights = route("r", {"a", "b"});
  weights.weights = {1};
  EXPECT_EQ(error_of(weights), route_errc::channel_count_over);
}

TEST(RouteTable, ManyRangesAcrossManyRulesStillFirstMatch) {
  // 100 rules of 100 six-digit ranges each, interleaved: rule k owns BINs whose last two digits
  // are k; a catch-all last.
  std::vector<sy::config::route> routes;
  for (int k = 0; k < 100; ++k) {
    auto r = route("r" + std::to_string(k), {"a"});
    for (int i = 0; i < 100; ++i) {
      const std::string bin = std::to_string(400000 + i * 100 + k);
      r.bins.push_back(bins(bin));
    }
    routes.push_back(std::move(r));
  }
  routes.push_back(route("rest", {"b"}));
  const auto table = table_of(std::move(routes));
  EXPECT_EQ(matched(table, card_request("4012371111111111")), "r37");
  EXPECT_EQ(matched(table, card_request("4000001111111111")), "r0");
  EXPECT_EQ(matched(table, card_request("4099991111111111")), "r99");
  EXPECT_EQ(matched(table, card_request("4100001111111111")), "rest");
}

}  // namespace
