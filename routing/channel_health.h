// What route selection knows of one channel: connected, signed on, and its circuit breaker. The
// channel's link feeds it; selection reads it lock-free on every request.
#pragma once

#include <atomic>

#include "routing/breaker.h"

namespace sy::routing {

class channel_health {
 public:
  using clock = breaker::clock;

  explicit channel_health(const breaker_settings& settings = {}) : breaker_(settings) {}
  channel_health(const channel_health&) = delete;
  channel_health& operator=(const channel_health&) = delete;

  // The link says so as its connections come and go. An ISO 8583 link is signed on after its
  // 0800/0810 sign-on; an HTTP channel, which has no sign-on, sets both flags together.
  void set_connected(bool up) noexcept { connected_.store(up, std::memory_order_release); }
  void set_signed_on(bool on) noexcept { signed_on_.store(on, std::memory_order_release); }
  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
  bool signed_on() const noexcept { return signed_on_.load(std::memory_order_acquire); }

  // Connected, signed on and the breaker would let a request through; claims nothing.
  bool available(clock::time_point now) const noexcept {
    return connected() && signed_on() && breaker_.admits(now);
  }

  // available(), and if so claims the right to send (a probe slot when the breaker is
  // half-open). The request's outcome must then be recorded on circuit().
  bool try_acquire(clock::time_point now) noexcept {
    return connected() && signed_on() && breaker_.try_acquire(now);
  }

  breaker& circuit() noexcept { return breaker_; }
  const breaker& circuit() const noexcept { return breaker_; }

 private:
  std::atomic<bool> connected_{false};
  std::atomic<bool> signed_on_{false};
  breaker breaker_;
};

}  // namespace sy::routing
