// Open-loop arrivals: evenly spaced over all connections, and fixed by index alone, so a late
// send never moves the intended times after it.
#include "bench/load/arrival_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace sy::load {
namespace {

using std::chrono::nanoseconds;

TEST(ArrivalSchedule, TheConnectionsInterleaveIntoOneEvenlySpacedStream) {
  constexpr std::uint64_t connections = 8;
  constexpr double rate = 1000;  // 1 ms apart in the merged stream
  std::vector<nanoseconds> all;
  for (std::uint64_t c = 0; c < connections; ++c) {
    const arrival_schedule s(rate, connections, c);
    for (std::uint64_t n = 0; n < 125; ++n) all.push_back(s.at(n));
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 1000u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i], nanoseconds(static_cast<std::int64_t>(i) * 1'000'000)) << i;
  }
}

TEST(ArrivalSchedule, EachConnectionCarriesItsShareOfTheRate) {
  const arrival_schedule s(500, 10, 3);  // 50/s on this connection: 20 ms apart, phase 3 * 2 ms
  EXPECT_EQ(s.at(0), nanoseconds(6'000'000));
  EXPECT_EQ(s.at(1), nanoseconds(26'000'000));
  EXPECT_EQ(s.at(50) - s.at(0), nanoseconds(1'000'000'000));
}

TEST(ArrivalSchedule, ArrivalsInAWindowMatchTheRateWithoutDrift) {
  // A rate that is not a whole number of nanoseconds apart: times come from the index, so
  // rounding never accumulates over a long run.
  constexpr double rate = 3000;
  constexpr std::uint64_t connections = 7;
  std::uint64_t in_one_hour = 0;
  for (std::uint64_t c = 0; c < connections; ++c) {
    const arrival_schedule s(rate, connections, c);
    std::uint64_t lo = 0, hi = 3'600 * 3'000;  // the first index at or after one hour
    while (lo < hi) {
      const auto mid = (lo + hi) / 2;
      if (s.at(mid) < std::chrono::hours(1)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    in_one_hour += lo;
  }
  EXPECT_EQ(in_one_hour, 3'600u * 3'000u);
}

}  // namespace
}  // namespace sy::load
