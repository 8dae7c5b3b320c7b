// The simulator's random draws, from one seeded generator so a run can be replayed: the latency of
// each answer and the fault (if any) injected instead of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "routing/sim/bank_config.h"

namespace sy::routing::sim {

enum class fault : std::uint8_t {
  none,        // answer normally
  timeout,     // never answer
  disconnect,  // close the connection instead of answering
  malformed,   // send a garbage frame instead of the answer
};

class bank_faults {
 public:
  bank_faults(const latency_settings& latency, const fault_settings& faults, std::uint64_t seed);

  // One fault per financial request, drawn with the configured rates. One uniform draw is split
  // into consecutive ranges, so raising one rate never reshuffles which requests get the others.
  fault draw_fault() noexcept;

  // The delay before an answer, per the configured distribution, capped at
  // limits::sim_latency_us_max. With zero latency nothing is drawn, so the hot path stays cheap.
  std::chrono::microseconds draw_latency() noexcept;

  // A draw in [0, bound) for choices that are not faults (discrepancy rows); bound > 0.
  std::uint64_t draw_below(std::uint64_t bound) noexcept;

 private:
  latency_settings latency_;
  fault_settings faults_;
  bool any_fault_ = false;
  std::mt19937_64 random_;
};

}  // namespace sy::routing::sim
