// A merchant's bucket holds `burst` requests and refills at `requests_per_s`.
#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

namespace sy::gateway {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefusesUntilRefilled) {
  rate_limiter limiter;
  const config::rate_limit rate{10, 3};
  const auto t0 = rate_limiter::clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.allow("m1", rate, t0));
  EXPECT_TRUE(limiter.allow("m1", rate, t0));
  EXPECT_TRUE(limiter.allow("m1", rate, t0));
  EXPECT_FALSE(limiter.allow("m1", rate, t0));
  EXPECT_FALSE(limiter.allow("m1", rate, t0 + 99ms));  // 0.99 of a token
  // 0.2 s at 10/s: two tokens (the refusal above took nothing from the 0.99).
  EXPECT_TRUE(limiter.allow("m1", rate, t0 + 200ms));
  EXPECT_TRUE(limiter.allow("m1", rate, t0 + 200ms));
  EXPECT_FALSE(limiter.allow("m1", rate, t0 + 200ms));
}

TEST(RateLimiter, KeepsMerchantsApart) {
  rate_limiter limiter;
  const config::rate_limit rate{1, 1};
  const auto t0 = rate_limiter::clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.allow("m1", rate, t0));
  EXPECT_FALSE(limiter.allow("m1", rate, t0));
  EXPECT_TRUE(limiter.allow("m2", rate, t0));
}

TEST(RateLimiter, NeverHoldsMoreThanTheBurstAfterIdling) {
  rate_limiter limiter;
  const config::rate_limit rate{1000, 2};
  const auto t0 = rate_limiter::clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.allow("m1", rate, t0));
  const auto later = t0 + 1h;
  EXPECT_TRUE(limiter.allow("m1", rate, later));
  EXPECT_TRUE(limiter.allow("m1", rate, later));
  EXPECT_FALSE(limiter.allow("m1", rate, later));
}

TEST(RateLimiter, AppliesAReloadedBurstAtOnce) {
  rate_limiter limiter;
  const auto t0 = rate_limiter::clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.allow("m1", {1, 100}, t0));
  EXPECT_TRUE(limiter.allow("m1", {1, 1}, t0));  // 99 left, capped at 1, one taken
  EXPECT_FALSE(limiter.allow("m1", {1, 1}, t0));
}

}  // namespace
}  // namespace sy::gateway
