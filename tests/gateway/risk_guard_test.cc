// The risk limits: each at its boundary, their order, the sliding window, and the daily volume
// under concurrent admissions.
#include "gateway/risk_guard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "protocol/currency.h"

namespace sy::gateway {
namespace {

using namespace std::chrono_literals;
using protocol::decline;

const auto cny = *protocol::find_currency("CNY");
const auto usd = *protocol::find_currency("USD");
constexpr std::chrono::year_month_day day{std::chrono::year{2026}, std::chrono::month{12},
                                          std::chrono::day{2}};
const std::chrono::sys_time<std::chrono::milliseconds> t0{1'800'000'000'000ms};

risk_request card_payment(std::int64_t amount, std::string_view token = "v1.aa",
                          std::chrono::milliseconds at = 0ms,
                          std::string_view pan = "4111111111111111") {
  return {"m1", {amount, cny}, risk_card{pan, token}, t0 + at, day};
}

TEST(RiskGuard, AdmitsWithinEveryLimit) {
  risk_guard guard;
  EXPECT_TRUE(guard.admit({}, card_payment(1'000'000)));
}

TEST(RiskGuard, RefusesAFrozenMerchantFirst) {
  risk_guard guard;
  config::risk_limits limits;
  limits.frozen = true;
  limits.blocked_card_tokens = {"v1.aa"};
  EXPECT_EQ(guard.admit(limits, card_payment(100)).error(), decline::merchant_frozen);
}

TEST(RiskGuard, RefusesBlockedBinRangesOfAnyLengthAndTokens) {
  risk_guard guard;
  config::risk_limits limits;
  limits.blocked_bins = {{"400000", "400099"}, {"5", "5"}};
  limits.blocked_card_tokens = {"v1.bad"};
  EXPECT_EQ(guard.admit(limits, card_payment(1, "v1.x", 0ms, "4000990000000000")).error(),
            decline::card_blocked);
  EXPECT_TRUE(guard.admit(limits, card_payment(1, "v1.x", 0ms, "4001000000000006")));
  EXPECT_EQ(guard.admit(limits, card_payment(1, "v1.x", 0ms, "5500000000000004")).error(),
            decline::card_blocked);
  EXPECT_EQ(guard.admit(limits, card_payment(1, "v1.bad")).error(), decline::card_blocked);
}

TEST(RiskGuard, CapsTheAmountPerPaymentPerCurrency) {
  risk_guard guard;
  config::risk_limits limits;
  limits.transaction_amount_max = {{"CNY", 5000}};
  EXPECT_TRUE(guard.admit(limits, card_payment(5000)));
  EXPECT_EQ(guard.admit(limits, card_payment(5001)).error(), decline::amount_limit_exceeded);
  const risk_request dollars{"m1", {9'999'999, usd}, std::nullopt, t0, day};
  EXPECT_TRUE(guard.admit(limits, dollars));  // no cap in USD
}

TEST(RiskGuard, CapsTheDailyVolumeAndReleasesWhatWasNotApproved) {
  risk_guard guard;
  config::risk_limits limits;
  limits.daily_volume_max = {{"CNY", 1000}};
  const risk_request wallet{"m1", {600, cny}, std::nullopt, t0, day};
  auto first = guard.admit(limits, wallet);
  ASSERT_TRUE(first);
  EXPECT_EQ(guard.admit(limits, wallet).error(), decline::amount_limit_exceeded);  // in flight
  guard.settle(*first, false);
  auto second = guard.admit(limits, wallet);
  ASSERT_TRUE(second);
  guard.settle(*second, true);
  EXPECT_TRUE(guard.admit(limits, {"m1", {400, cny}, std::nullopt, t0, day}));  // exactly 1000
  EXPECT_EQ(guard.admit(limits, {"m1", {1, cny}, std::nullopt, t0, day}).error(),
            decline::amount_limit_exceeded);
  EXPECT_TRUE(guard.admit(limits, {"m2", {1000, cny}, std::nullopt, t0, day}));  // per merchant
  const auto next_day = std::chrono::sys_days{day} + std::chrono::days{1};
  EXPECT_TRUE(guard.admit(limits, {"m1", {1000, cny}, std::nullopt, t0, next_day}));
}

TEST(RiskGuard, RestoresTheDaysApprovedVolume) {
  risk_guard guard;
  config::risk_limits limits;
  limits.daily_volume_max = {{"CNY", 1000}};
  guard.restore_approved("m1", day, {900, cny});
  EXPECT_TRUE(guard.admit(limits, card_payment(100)));
  EXPECT_EQ(guard.admit(limits, card_payment(1)).error(), decline::amount_limit_exceeded);
}

TEST(RiskGuard, CountsEveryAttemptOfACardInTheSlidingWindow) {
  risk_guard guard;
  config::risk_limits limits;
  limits.velocity_count_max = 2;
  limits.velocity_window_s = 60;
  auto a = guard.admit(limits, card_payment(1, "v1.aa", 0ms));
  ASSERT_TRUE(a);
  guard.settle(*a, false);  // a decline still counts
  EXPECT_TRUE(guard.admit(limits, card_payment(1, "v1.aa", 10s)));
  EXPECT_EQ(guard.admit(limits, card_payment(1, "v1.aa", 20s)).error(),
            decline::velocity_limit_exceeded);
  EXPECT_TRUE(guard.admit(limits, card_payment(1, "v1.bb", 20s)));  // another card
  // The first attempt leaves the window after 60 s (and at most one 1 s bucket more).
  EXPECT_EQ(guard.admit(limits, card_payment(1, "v1.aa", 59s)).error(),
            decline::velocity_limit_exceeded);
  EXPECT_TRUE(guard.admit(limits, card_payment(1, "v1.aa", 61s)));
}

TEST(RiskGuard, CountsACardsVelocityPerMerchant) {
  risk_guard guard;
  config::risk_limits limits;
  limits.velocity_count_max = 1;
  limits.velocity_amount_max = {{"CNY", 100}};
  limits.velocity_window_s = 60;
  EXPECT_TRUE(guard.admit(limits, card_payment(100)));
  EXPECT_EQ(guard.admit(limits, card_payment(1)).error(), decline::velocity_limit_exceeded);
  // The same card at another merchant has that merchant's limits to itself.
  auto elsewhere = card_payment(100);
  elsewhere.merchant_id = "m2";
  EXPECT_TRUE(guard.admit(limits, elsewhere));
}

TEST(RiskGuard, CapsACardsAmountInTheWindowPerCurrency) {
  risk_guard guard;
  config::risk_limits limits;
  limits.velocity_amount_max = {{"CNY", 1000}};
  limits.velocity_window_s = 3600;
  EXPECT_TRUE(guard.admit(limits, card_payment(700)));
  EXPECT_EQ(guard.admit(limits, card_payment(301)).error(), decline::velocity_limit_exceeded);
  EXPECT_TRUE(guard.admit(limits, card_payment(300)));
  // A refusal reserves nothing: the daily volume is untouched by it.
  limits.daily_volume_max = {{"CNY", 1000}};
  EXPECT_EQ(guard.admit(limits, card_payment(1)).error(), decline::amount_limit_exceeded);
}

TEST(RiskGuard, NeverAdmitsPastTheDailyCapUnderConcurrency) {
  risk_guard guard;
  config::risk_limits limits;
  limits.daily_volume_max = {{"CNY", 10'000}};
  std::atomic<std::int64_t> approved{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        auto ticket = guard.admit(limits, {"m1", {7, cny}, std::nullopt, t0, day});
        if (!ticket) continue;
        const bool ok = (i + t) % 3 != 0;
        if (ok) approved += 7;
        guard.settle(*ticket, ok);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(approved.load(), 10'000);
  EXPECT_GT(approved.load(), 10'000 - 7 * 8);  // the cap was reached, not stopped short
}

}  // namespace
}  // namespace sy::gateway
