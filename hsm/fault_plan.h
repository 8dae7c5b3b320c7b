// Failure injection for tests (DESIGN.md, "Failure injection"): fail the n-th backend operation
// with errc::injected_failure, so every caller's error path can be exercised in a loop.
#pragma once

#include <atomic>
#include <cstdint>

namespace sy::hsm {

class fault_plan {
 public:
  // Fails the operation numbered `n` (1-based, counted from now); 0 disarms.
  void fail_nth(std::uint64_t n) noexcept {
    count_.store(0);
    fail_at_.store(n);
  }
  // Counts one operation; true when it is the one to fail.
  bool next() noexcept {
    const std::uint64_t at = fail_at_.load(std::memory_order_relaxed);
    return at != 0 && count_.fetch_add(1) + 1 == at;
  }

 private:
  std::atomic<std::uint64_t> fail_at_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace sy::hsm
