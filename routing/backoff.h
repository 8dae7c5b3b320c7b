// Exponential backoff with jitter, shared by everything that tries again: the bank link's
// reconnects and reversal repeats, and the HTTP channel's connect probes.
#pragma once

#include <chrono>
#include <cstdint>

namespace sy::routing {

struct backoff {
  std::chrono::milliseconds base{0};
  std::chrono::milliseconds max{0};
};

// The wait after `attempts` tries (attempts >= 1): base * 2^(attempts - 1), at most max, plus a
// jitter of `random` mod (delay / 2 + 1) milliseconds, so many waiters do not retry in step.
std::chrono::milliseconds backoff_delay(std::uint32_t attempts, const backoff& b,
                                        std::uint64_t random) noexcept;

}  // namespace sy::routing
