// Per-merchant request rate limits (specs/merchant-api.md: 429 rate_limit_error): a token bucket
// per merchant holding up to `burst` requests and refilled at `requests_per_s`. Pure logic.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"

namespace sy::gateway {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  // Takes one request from the merchant's bucket; false when it is empty (answer 429). The rate
  // comes with every call, so a reloaded configuration applies at once; a bucket keeps its level
  // across a reload, capped at the new burst. Thread-safe: a short lock on one of a few shards.
  bool allow(std::string_view merchant_id, const config::rate_limit& rate, clock::time_point now);

 private:
  struct bucket {
    double tokens = 0;
    clock::time_point refilled{};
  };
  struct shard {
    std::mutex mutex;
    std::unordered_map<std::string, bucket> buckets;  // one per configured merchant at most
  };
  static constexpr std::size_t shard_count = 16;

  std::array<shard, shard_count> shards_;
};

}  // namespace sy::gateway
