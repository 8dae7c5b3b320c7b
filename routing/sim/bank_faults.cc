// Seeded latency and fault draws for the bank simulator.
#include "routing/sim/bank_faults.h"

#include <algorithm>
#include <cmath>

#include "config/limits.h"

namespace sy::routing::sim {

bank_faults::bank_faults(const latency_settings& latency, const fault_settings& faults,
                         std::uint64_t seed)
    : latency_(latency),
      faults_(faults),
      any_fault_(faults.timeout_rate + faults.disconnect_rate + faults.malformed_rate > 0),
      random_(seed) {}

fault bank_faults::draw_fault() noexcept {
  if (!any_fault_) return fault::none;
  // 53 random bits as a double in [0, 1): the same on every platform, unlike the distributions.
  const double u = static_cast<double>(random_() >> 11) * 0x1.0p-53;
  double edge = faults_.timeout_rate;
  if (u < edge) return fault::timeout;
  edge += faults_.disconnect_rate;
  if (u < edge) return fault::disconnect;
  edge += faults_.malformed_rate;
  if (u < edge) return fault::malformed;
  return fault::none;
}

std::chrono::microseconds bank_faults::draw_latency() noexcept {
  std::int64_t us = 0;
  switch (latency_.distribution) {
    case latency_distribution::fixed:
      us = latency_.fixed_us;
      break;
    case latency_distribution::uniform:
      if (latency_.max_us > latency_.min_us) {
        const auto span = static_cast<std::uint64_t>(latency_.max_us - latency_.min_us) + 1;
        us = latency_.min_us + static_cast<std::int64_t>(random_() % span);
      } else {
        us = latency_.min_us;
      }
      break;
    case latency_distribution::exponential:
      if (latency_.mean_us > 0) {
        // Inverse transform of a uniform in (0, 1]: -mean * ln(u).
        const double u = static_cast<double>((random_() >> 11) + 1) * 0x1.0p-53;
        us = static_cast<std::int64_t>(-static_cast<double>(latency_.mean_us) * std::log(u));
      }
      break;
  }
  return std::chrono::microseconds(std::clamp<std::int64_t>(us, 0, limits::sim_latency_us_max));
}

std::uint64_t bank_faults::draw_below(std::uint64_t bound) noexcept {
  return bound == 0 ? 0 : random_() % bound;
}

}  // namespace sy::routing::sim
