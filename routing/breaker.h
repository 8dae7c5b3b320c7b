// A channel's circuit breaker: closed -> open on a failure rate or a timeout streak within a
// rolling window, open -> half-open after a cool-down, half-open -> closed on a probe's success.
// Lock-free (a few atomics, CAS loops); time is passed in, so tests drive the clock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "config/limits.h"

namespace sy::routing {

struct breaker_settings {
  std::int64_t window_ms = limits::breaker_window_ms;
  std::uint32_t bucket_count = limits::breaker_bucket_count;  // window_ms / bucket_count each
  std::uint32_t error_rate_percent = limits::breaker_error_rate_percent;
  std::uint32_t request_count_min = limits::breaker_request_count_min;
  std::uint32_t timeout_streak_max = limits::breaker_timeout_streak_max;
  std::int64_t open_ms = limits::breaker_open_ms;
  std::uint32_t probe_count_max = limits::breaker_probe_count_max;
  std::int64_t probe_timeout_ms = limits::breaker_probe_timeout_ms;
};

enum class breaker_state : std::uint8_t { closed, open, half_open };

class breaker {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::uint32_t bucket_count_max = 32;

  // Precondition (SY_VERIFY): 1 <= bucket_count <= bucket_count_max, window_ms a positive
  // multiple of bucket_count, error_rate_percent in 1..100, counts and durations positive.
  explicit breaker(const breaker_settings& settings = {});
  breaker(const breaker&) = delete;
  breaker& operator=(const breaker&) = delete;

  // Whether a request may be sent now, without claiming anything: closed, open past its
  // cool-down, or half-open with a free probe slot. Route selection filters with this.
  bool admits(clock::time_point now) const noexcept;

  // Claims the right to send one request. In half-open (or open past the cool-down, which turns
  // half-open here) that claims a probe slot, which the request's record_* call frees.
  bool try_acquire(clock::time_point now) noexcept;

  // The outcome of a request sent on this channel. Success is any answer that shows the channel
  // works (approvals and ordinary declines alike); failure is a send error or a system-error
  // answer; timeout is no answer in time.
  void record_success(clock::time_point now) noexcept;
  void record_failure(clock::time_point now) noexcept;
  void record_timeout(clock::time_point now) noexcept;

  // open past the cool-down still reads open until someone tries it.
  breaker_state state() const noexcept;

 private:
  enum class failure_kind : std::uint8_t { error, timeout };
  void record_bad(clock::time_point now, failure_kind kind) noexcept;
  void count(std::int64_t now_ms, bool failed) noexcept;
  bool rate_exceeded(std::int64_t now_ms) const noexcept;
  bool streak_reached(std::int64_t now_ms) noexcept;
  void open(std::uint64_t expected, std::int64_t now_ms) noexcept;
  void reset_counts() noexcept;

  breaker_settings settings_;
  std::int64_t bucket_ms_;
  // state (2 bits) | probes in flight (14 bits) | time in ms (48 bits): when open, the time it may
  // be probed; when half-open, when the latest probe started.
  std::atomic<std::uint64_t> state_{0};
  // Per bucket: epoch (32 bits) | requests (16 bits) | failures (16 bits).
  std::array<std::atomic<std::uint64_t>, bucket_count_max> buckets_{};
  // Consecutive timeouts (16 bits) | time of the latest one in ms (48 bits).
  std::atomic<std::uint64_t> streak_{0};
};

}  // namespace sy::routing
