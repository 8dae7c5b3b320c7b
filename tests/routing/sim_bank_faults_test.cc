// Seeded fault and latency draws: reproducible, at the configured rates, within their bounds.
#include "routing/sim/bank_faults.h"

#include <gtest/gtest.h>

#include <vector>

#include "config/limits.h"

namespace sy::routing::sim {
namespace {

std::vector<fault> draws(std::uint64_t seed, const fault_settings& f, int n) {
  bank_faults faults(latency_settings{}, f, seed);
  std::vector<fault> out;
  for (int i = 0; i < n; ++i) out.push_back(faults.draw_fault());
  return out;
}

TEST(SimBankFaults, NoRatesNoFaults) {
  for (const fault f : draws(7, fault_settings{}, 1000)) EXPECT_EQ(f, fault::none);
}

TEST(SimBankFaults, SameSeedSameSequenceOtherSeedOtherSequence) {
  const fault_settings f{0.2, 0.1, 0.1};
  EXPECT_EQ(draws(42, f, 500), draws(42, f, 500));
  EXPECT_NE(draws(42, f, 500), draws(43, f, 500));
}

TEST(SimBankFaults, RatesAreMetOverManyDraws) {
  const fault_settings f{0.10, 0.05, 0.02};
  int counts[4] = {};
  for (const fault x : draws(1, f, 100000)) ++counts[static_cast<int>(x)];
  EXPECT_NEAR(counts[static_cast<int>(fault::timeout)], 10000, 600);
  EXPECT_NEAR(counts[static_cast<int>(fault::disconnect)], 5000, 450);
  EXPECT_NEAR(counts[static_cast<int>(fault::malformed)], 2000, 300);
}

TEST(SimBankFaults, RateOfOneAlwaysFaults) {
  for (const fault f : draws(3, fault_settings{1.0, 0, 0}, 100)) EXPECT_EQ(f, fault::timeout);
}

TEST(SimBankFaults, FixedLatencyIsExact) {
  latency_settings l;
  l.fixed_us = 1500;
  bank_faults faults(l, fault_settings{}, 1);
  EXPECT_EQ(faults.draw_latency().count(), 1500);
}

TEST(SimBankFaults, UniformLatencyStaysWithinItsBounds) {
  latency_settings l;
  l.distribution = latency_distribution::uniform;
  l.min_us = 100;
  l.max_us = 200;
  bank_faults faults(l, fault_settings{}, 9);
  bool low = false, high = false;
  for (int i = 0; i < 10000; ++i) {
    const auto us = faults.draw_latency().count();
    ASSERT_GE(us, 100);
    ASSERT_LE(us, 200);
    low = low || us < 110;
    high = high || us > 190;
  }
  EXPECT_TRUE(low && high);
}

TEST(SimBankFaults, ExponentialLatencyHasItsMeanAndIsCapped) {
  latency_settings l;
  l.distribution = latency_distribution::exponential;
  l.mean_us = 1000;
  bank_faults faults(l, fault_settings{}, 5);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const auto us = faults.draw_latency().count();
    ASSERT_GE(us, 0);
    ASSERT_LE(us, limits::sim_latency_us_max);
    sum += static_cast<double>(us);
  }
  EXPECT_NEAR(sum / n, 1000, 30);
}

}  // namespace
}  // namespace sy::routing::sim
