// Exponential backoff with jitter (see backoff.h).
#include "routing/backoff.h"

#include <algorithm>

#include "config/assert.h"

namespace sy::routing {

std::chrono::milliseconds backoff_delay(std::uint32_t attempts, const backoff& b,
                                        std::uint64_t random) noexcept {
  SY_ASSERT(attempts >= 1);
  auto delay = b.base;
  for (std::uint32_t i = 1; i < attempts && delay < b.max; ++i) delay *= 2;
  delay = std::min(delay, b.max);
  const auto jitter_span = static_cast<std::uint64_t>(delay.count() / 2 + 1);
  return delay + std::chrono::milliseconds(static_cast<std::int64_t>(random % jitter_span));
}

}  // namespace sy::routing
