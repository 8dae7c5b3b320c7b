// The load driver's histogram: exact below 2^(p+1), within its relative error bound above, never
// reporting below the true value, and merging as if recorded in one.
#include "bench/load/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sy::load {
namespace {

// The true quantile as the histogram defines it: the value at rank ceil(q * n).
std::uint64_t exact_quantile(std::vector<std::uint64_t> sorted, double q) {
  const auto rank = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h(7);
  for (std::uint64_t v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.count(), 256u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 255u);
  EXPECT_EQ(h.quantile(0.5), 127u);
  EXPECT_EQ(h.quantile(1.0), 255u);
  EXPECT_DOUBLE_EQ(h.mean(), 127.5);
}

TEST(Histogram, QuantilesStayWithinTheRelativeErrorBoundOverManyOrdersOfMagnitude) {
  for (const unsigned precision : {3u, 7u, 10u}) {
    histogram h(precision);
    std::mt19937_64 random(precision);
    // Log-uniform from 1 ns to about 100 s: every octave of a latency distribution's range.
    std::uniform_real_distribution<double> exponent(0, 36.5);
    std::vector<std::uint64_t> values;
    for (int i = 0; i < 200'000; ++i) {
      values.push_back(static_cast<std::uint64_t>(std::exp2(exponent(random))));
      h.record(values.back());
    }
    std::sort(values.begin(), values.end());
    for (const double q : {0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
      const auto truth = exact_quantile(values, q);
      const auto reported = h.quantile(q);
      EXPECT_GE(reported, truth) << "p=" << precision << " q=" << q;
      EXPECT_LE(static_cast<double>(reported - truth) / static_cast<double>(truth),
                h.relative_error_max())
          << "p=" << precision << " q=" << q;
    }
    EXPECT_EQ(h.max(), values.back());
    EXPECT_EQ(h.quantile(1.0), values.back()) << "the top quantile is the exact maximum";
  }
}

TEST(Histogram, TheLargestValuesHaveBuckets) {
  histogram h(7);
  h.record(UINT64_MAX);
  h.record(UINT64_MAX - 1);
  EXPECT_EQ(h.quantile(0.5), UINT64_MAX);
  EXPECT_EQ(h.max(), UINT64_MAX);
}

TEST(Histogram, MergedEqualsRecordedInOne) {
  histogram a(7), b(7), both(7);
  for (std::uint64_t v = 1; v < 1'000'000; v = v * 3 + 1) {
    a.record(v);
    both.record(v);
    b.record(v * 7);
    both.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_DOUBLE_EQ(a.mean(), both.mean());
  for (const double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.quantile(q), both.quantile(q));
}

TEST(Histogram, EmptyReportsZeros) {
  const histogram h(7);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, BucketsAreVisitedInOrderWithTheirCounts) {
  histogram h(7);
  for (int i = 0; i < 3; ++i) h.record(1000);
  h.record(5);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  h.for_each_bucket(
      [&](std::uint64_t highest, std::uint64_t count) { seen.emplace_back(highest, count); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(std::uint64_t{5}, std::uint64_t{1}));
  EXPECT_GE(seen[1].first, 1000u);
  EXPECT_LE(seen[1].first, 1000u + 1000u / 128);
  EXPECT_EQ(seen[1].second, 3u);
}

}  // namespace
}  // namespace sy::load
