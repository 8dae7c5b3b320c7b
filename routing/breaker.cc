// The circuit breaker's transitions and its rolling window, as CAS loops over packed words.
#include "routing/breaker.h"

#include <algorithm>

#include "config/assert.h"

namespace sy::routing {
namespace {

constexpr std::uint64_t time_mask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t probe_mask = (std::uint64_t{1} << 14) - 1;
constexpr std::uint64_t count16_max = 0xFFFF;

// Milliseconds of the steady clock, clamped into the 48 bits the packed words hold (8,900 years).
std::int64_t to_ms(breaker::clock::time_point t) noexcept {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  return std::clamp<std::int64_t>(ms.count(), 0, static_cast<std::int64_t>(time_mask));
}

struct state_word {
  breaker_state state = breaker_state::closed;
  std::uint64_t probes = 0;
  std::int64_t time_ms = 0;

  static state_word unpack(std::uint64_t w) noexcept {
    return {static_cast<breaker_state>(w & 3), (w >> 2) & probe_mask,
            static_cast<std::int64_t>(w >> 16)};
  }
  std::uint64_t pack() const noexcept {
    const auto t = static_cast<std::uint64_t>(
        std::clamp<std::int64_t>(time_ms, 0, static_cast<std::int64_t>(time_mask)));
    return static_cast<std::uint64_t>(state) | (std::min(probes, probe_mask) << 2) | (t << 16);
  }
};

}  // namespace

breaker::breaker(const breaker_settings& settings)
    : settings_(settings),
      bucket_ms_(settings.bucket_count == 0 ? 0 : settings.window_ms / settings.bucket_count) {
  SY_VERIFY(settings.bucket_count >= 1 && settings.bucket_count <= bucket_count_max);
  SY_VERIFY(bucket_ms_ > 0 && bucket_ms_ * settings.bucket_count == settings.window_ms);
  SY_VERIFY(settings.error_rate_percent >= 1 && settings.error_rate_percent <= 100);
  SY_VERIFY(settings.request_count_min >= 1 && settings.timeout_streak_max >= 1);
  SY_VERIFY(settings.open_ms > 0 && settings.probe_count_max >= 1 &&
            settings.probe_count_max <= probe_mask && settings.probe_timeout_ms > 0);
}

bool breaker::admits(clock::time_point now) const noexcept {
  const auto s = state_word::unpack(state_.load(std::memory_order_acquire));
  const std::int64_t now_ms = to_ms(now);
  switch (s.state) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      return now_ms >= s.time_ms;
    case breaker_state::half_open:
      return s.probes < settings_.probe_count_max ||
             now_ms - s.time_ms >= settings_.probe_timeout_ms;
  }
  return false;
}

bool breaker::try_acquire(clock::time_point now) noexcept {
  const std::int64_t now_ms = to_ms(now);
  std::uint64_t old = state_.load(std::memory_order_acquire);
  for (;;) {
    const auto s = state_word::unpack(old);
    state_word next{breaker_state::half_open, 1, now_ms};
    if (s.state == breaker_state::closed) return true;
    if (s.state == breaker_state::open && now_ms < s.time_ms) return false;
    if (s.state == breaker_state::half_open) {
      if (s.probes < settings_.probe_count_max) {
        next.probes = s.probes + 1;
      } else if (now_ms - s.time_ms < settings_.probe_timeout_ms) {
        return false;  // every probe slot is taken by a probe still within its time
      }
    }
    if (state_.compare_exchange_weak(old, next.pack(), std::memory_order_acq_rel)) return true;
  }
}

void breaker::record_success(clock::time_point now) noexcept {
  streak_.store(0, std::memory_order_relaxed);
  std::uint64_t old = state_.load(std::memory_order_acquire);
  const auto s = state_word::unpack(old);
  if (s.state == breaker_state::half_open) {
    // The channel answered: close, and forget the failures that opened it.
    if (state_.compare_exchange_strong(old, state_word{}.pack(), std::memory_order_acq_rel)) {
      reset_counts();
    }
    return;
  }
  // While open, a late answer to a request sent before the breaker opened proves little.
  if (s.state == breaker_state::closed) count(to_ms(now), false);
}

void breaker::record_failure(clock::time_point now) noexcept {
  record_bad(now, failure_kind::error);
}

void breaker::record_timeout(clock::time_point now) noexcept {
  record_bad(now, failure_kind::timeout);
}

void breaker::record_bad(clock::time_point now, failure_kind kind) noexcept {
  const std::int64_t now_ms = to_ms(now);
  const std::uint64_t old = state_.load(std::memory_order_acquire);
  const auto s = state_word::unpack(old);
  if (s.state == breaker_state::half_open) {
    open(old, now_ms);  // the probe failed: another full cool-down
    return;
  }
  if (s.state == breaker_state::open) return;
  count(now_ms, true);
  const bool streak = kind == failure_kind::timeout && streak_reached(now_ms);
  if (streak || rate_exceeded(now_ms)) open(old, now_ms);
}

breaker_state breaker::state() const noexcept {
  return state_word::unpack(state_.load(std::memory_order_acquire)).state;
}

void breaker::count(std::int64_t now_ms, bool failed) noexcept {
  const auto epoch = static_cast<std::uint32_t>(now_ms / bucket_ms_);
  auto& bucket = buckets_[epoch % settings_.bucket_count];
  std::uint64_t old = bucket.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t requests = 0;
    std::uint64_t failures = 0;
    if (static_cast<std::uint32_t>(old >> 32) == epoch) {
      requests = (old >> 16) & count16_max;
      failures = old & count16_max;
      if (requests == count16_max) {  // halve both: the rate is what matters, and it survives
        requests /= 2;
        failures /= 2;
      }
    }
    requests += 1;
    failures += failed ? 1 : 0;
    const std::uint64_t next = (std::uint64_t{epoch} << 32) | (requests << 16) | failures;
    if (bucket.compare_exchange_weak(old, next, std::memory_order_relaxed)) return;
  }
}

bool breaker::rate_exceeded(std::int64_t now_ms) const noexcept {
  const auto epoch = static_cast<std::uint32_t>(now_ms / bucket_ms_);
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  for (std::uint32_t i = 0; i < settings_.bucket_count; ++i) {
    const std::uint64_t b = buckets_[i].load(std::memory_order_relaxed);
    // Unsigned distance: a bucket from the future (a clock stepped back) or from an older lap of
    // the ring is outside the window.
    if (epoch - static_cast<std::uint32_t>(b >> 32) >= settings_.bucket_count) continue;
    requests += (b >> 16) & count16_max;
    failures += b & count16_max;
  }
  return requests >= settings_.request_count_min &&
         failures * 100 >= requests * settings_.error_rate_percent;
}

bool breaker::streak_reached(std::int64_t now_ms) noexcept {
  std::uint64_t old = streak_.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t streak = old >> 48;
    const auto last_ms = static_cast<std::int64_t>(old & time_mask);
    if (streak > 0 && now_ms - last_ms > settings_.window_ms) streak = 0;  // too old to chain
    streak = std::min(streak + 1, count16_max);
    const std::uint64_t next = (streak << 48) | static_cast<std::uint64_t>(now_ms);
    if (streak_.compare_exchange_weak(old, next, std::memory_order_relaxed)) {
      return streak >= settings_.timeout_streak_max;
    }
  }
}

void breaker::open(std::uint64_t expected, std::int64_t now_ms) noexcept {
  const state_word next{breaker_state::open, 0, now_ms + settings_.open_ms};
  // A lost race means another thread already moved the breaker; its transition stands.
  state_.compare_exchange_strong(expected, next.pack(), std::memory_order_acq_rel);
}

void breaker::reset_counts() noexcept {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  streak_.store(0, std::memory_order_relaxed);
}

}  // namespace sy::routing
