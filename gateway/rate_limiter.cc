// The token buckets of rate_limiter.h.
#include "gateway/rate_limiter.h"

#include <algorithm>
#include <functional>

namespace sy::gateway {

bool rate_limiter::allow(std::string_view merchant_id, const config::rate_limit& rate,
                         clock::time_point now) {
  auto& s = shards_[std::hash<std::string_view>{}(merchant_id) % shard_count];
  const auto burst = static_cast<double>(rate.burst);
  std::lock_guard lock(s.mutex);
  auto [it, fresh] = s.buckets.try_emplace(std::string(merchant_id));
  bucket& b = it->second;
  if (fresh) {
    b.tokens = burst;
  } else {
    const std::chrono::duration<double> elapsed = now - b.refilled;
    b.tokens += std::max(0.0, elapsed.count()) * static_cast<double>(rate.requests_per_s);
  }
  b.tokens = std::min(b.tokens, burst);
  b.refilled = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace sy::gateway
