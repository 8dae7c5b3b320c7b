// Open-loop arrivals: a fixed total rate spread over a number of connections. Each connection's
// share is evenly spaced and the connections' phases interleave, so the merged stream is evenly
// spaced at 1/rate. Every arrival has an intended time computed from its index, never from when
// the previous one was actually sent, so a stalled server does not slow the schedule down and
// latency measured from the intended time includes the queueing (no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>

namespace sy::load {

class arrival_schedule {
 public:
  // Preconditions: rate_per_s > 0, connection_index < connection_count.
  arrival_schedule(double rate_per_s, std::uint64_t connection_count,
                   std::uint64_t connection_index) noexcept
      : interval_ns_(1e9L / static_cast<long double>(rate_per_s)),
        connection_count_(connection_count),
        connection_index_(connection_index) {}

  // The intended time of this connection's `n`-th arrival, from the run's start.
  std::chrono::nanoseconds at(std::uint64_t n) const noexcept {
    const long double slot = static_cast<long double>(n * connection_count_ + connection_index_);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(slot * interval_ns_));
  }

 private:
  long double interval_ns_;  // between two arrivals of the merged stream
  std::uint64_t connection_count_;
  std::uint64_t connection_index_;
};

}  // namespace sy::load
