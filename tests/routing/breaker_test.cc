// Circuit breaker transitions: closed -> open by error rate and by a timeout streak, the window
// rolling old outcomes out, half-open probing, and probe slots under concurrent callers.
#include "routing/breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace {

using sy::routing::breaker;
using sy::routing::breaker_settings;
using sy::routing::breaker_state;
using namespace std::chrono_literals;

// A fixed start far from the clock's epoch, so the window arithmetic sees ordinary times.
const breaker::clock::time_point t0 = breaker::clock::time_point{} + 1000h;

void fail(breaker& b, int n, breaker::clock::time_point at) {
  for (int i = 0; i < n; ++i) b.record_failure(at);
}
void succeed(breaker& b, int n, breaker::clock::time_point at) {
  for (int i = 0; i < n; ++i) b.record_success(at);
}

TEST(Breaker, StartsClosedAndAdmits) {
  breaker b;
  EXPECT_EQ(b.state(), breaker_state::closed);
  EXPECT_TRUE(b.admits(t0));
  EXPECT_TRUE(b.try_acquire(t0));
}

TEST(Breaker, OpensWhenErrorRateReachesThresholdWithEnoughRequests) {
  breaker b;  // 50 % of at least 20 requests
  succeed(b, 10, t0);
  fail(b, 9, t0);
  EXPECT_EQ(b.state(), breaker_state::closed);
  fail(b, 1, t0);
  EXPECT_EQ(b.state(), breaker_state::open);
  EXPECT_FALSE(b.admits(t0));
  EXPECT_FALSE(b.try_acquire(t0 + 4999ms));
}

TEST(Breaker, StaysClosedBelowMinimumVolumeOrBelowRate) {
  breaker few;
  fail(few, 19, t0);
  EXPECT_EQ(few.state(), breaker_state::closed);

  breaker healthy;
  succeed(healthy, 11, t0);
  fail(healthy, 9, t0);
  EXPECT_EQ(healthy.state(), breaker_state::closed);
}

TEST(Breaker, OpensOnConsecutiveTimeouts) {
  breaker b;  // 5 in a row
  for (int i = 0; i < 4; ++i) b.record_timeout(t0 + i * 100ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
  b.record_timeout(t0 + 500ms);
  EXPECT_EQ(b.state(), breaker_state::open);
}

TEST(Breaker, AnAnswerBreaksTheTimeoutStreak) {
  breaker b;
  for (int i = 0; i < 4; ++i) b.record_timeout(t0);
  b.record_success(t0);
  for (int i = 0; i < 4; ++i) b.record_timeout(t0);
  EXPECT_EQ(b.state(), breaker_state::closed);
}

TEST(Breaker, TimeoutsMoreThanAWindowApartDoNotChain) {
  breaker b;
  for (int i = 0; i < 4; ++i) b.record_timeout(t0);
  b.record_timeout(t0 + 10001ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
  for (int i = 0; i < 3; ++i) b.record_timeout(t0 + 10002ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
  b.record_timeout(t0 + 10003ms);
  EXPECT_EQ(b.state(), breaker_state::open);
}

TEST(Breaker, WindowRollsOldOutcomesOut) {
  breaker b;  // 10 s window of 1 s buckets
  fail(b, 15, t0);
  fail(b, 4, t0 + 9s);  // t0's bucket is still inside: 19 failures
  EXPECT_EQ(b.state(), breaker_state::closed);
  fail(b, 4, t0 + 10s);  // t0's bucket has rolled out: 8 requests
  EXPECT_EQ(b.state(), breaker_state::closed);

  breaker inside;
  fail(inside, 15, t0);
  fail(inside, 5, t0 + 9s);
  EXPECT_EQ(inside.state(), breaker_state::open);
}

TEST(Breaker, HalfOpensAfterCoolDownAndClosesOnProbeSuccess) {
  breaker b;
  fail(b, 20, t0);
  ASSERT_EQ(b.state(), breaker_state::open);
  EXPECT_TRUE(b.admits(t0 + 5s));
  EXPECT_TRUE(b.try_acquire(t0 + 5s));
  EXPECT_EQ(b.state(), breaker_state::half_open);
  EXPECT_FALSE(b.admits(t0 + 5s));  // the one probe slot is taken
  EXPECT_FALSE(b.try_acquire(t0 + 5s));
  b.record_success(t0 + 5100ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
  // The failures that opened it are forgotten: one more does not reopen it.
  fail(b, 1, t0 + 5200ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
}

TEST(Breaker, ProbeFailureReopensForAnotherCoolDown) {
  breaker b;
  fail(b, 20, t0);
  ASSERT_TRUE(b.try_acquire(t0 + 6s));
  b.record_timeout(t0 + 7s);
  EXPECT_EQ(b.state(), breaker_state::open);
  EXPECT_FALSE(b.try_acquire(t0 + 11999ms));
  EXPECT_TRUE(b.try_acquire(t0 + 12s));
  EXPECT_EQ(b.state(), breaker_state::half_open);
}

TEST(Breaker, LateOutcomesWhileOpenChangeNothing) {
  breaker b;
  fail(b, 20, t0);
  b.record_success(t0 + 1s);
  EXPECT_EQ(b.state(), breaker_state::open);
  EXPECT_FALSE(b.admits(t0 + 1s));
}

TEST(Breaker, AbandonedProbeFreesItsSlotAfterProbeTimeout) {
  breaker_settings s;
  s.probe_timeout_ms = 2000;
  breaker b(s);
  fail(b, 20, t0);
  ASSERT_TRUE(b.try_acquire(t0 + 5s));
  EXPECT_FALSE(b.try_acquire(t0 + 6999ms));
  EXPECT_TRUE(b.try_acquire(t0 + 7s));
}

TEST(Breaker, SettingsChangeThresholds) {
  breaker_settings s;
  s.request_count_min = 4;
  s.error_rate_percent = 75;
  s.timeout_streak_max = 2;
  breaker rate(s);
  succeed(rate, 1, t0);
  fail(rate, 2, t0);
  EXPECT_EQ(rate.state(), breaker_state::closed);
  fail(rate, 1, t0);  // 3 of 4
  EXPECT_EQ(rate.state(), breaker_state::open);

  breaker streak(s);
  streak.record_timeout(t0);
  streak.record_timeout(t0);
  EXPECT_EQ(streak.state(), breaker_state::open);
}

TEST(Breaker, ConcurrentCallersGetExactlyOneProbe) {
  breaker b;
  fail(b, 20, t0);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) granted += b.try_acquire(t0 + 5s) ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 1);
}

TEST(Breaker, ConcurrentFailuresOpenIt) {
  breaker b;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { fail(b, 10, t0); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(b.state(), breaker_state::open);
}

}  // namespace
