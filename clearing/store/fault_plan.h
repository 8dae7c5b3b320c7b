// Failure injection for the store (DESIGN.md, "Tests and benchmarks"): fail the n-th commit or
// the n-th read, so every caller's error path can be exercised in a loop over n.
#pragma once

#include <atomic>
#include <cstdint>

namespace sy::clearing::store {

// Shared by the environment (reads) and the writer (commits); thread-safe. Counting starts at 1
// with the first operation after arming; 0 disarms. Each armed failure fires once.
class fault_plan {
 public:
  void fail_commit(std::uint64_t n) noexcept { arm(commit_, n); }
  void fail_read(std::uint64_t n) noexcept { arm(read_, n); }

  // Called by the store before each commit / read: true when this one is to fail.
  bool commit_fails() noexcept { return step(commit_); }
  bool read_fails() noexcept { return step(read_); }

  std::uint64_t commits_seen() const noexcept { return commit_.seen.load(); }
  std::uint64_t reads_seen() const noexcept { return read_.seen.load(); }

 private:
  struct counter {
    std::atomic<std::uint64_t> target{0};  // 0: disarmed
    std::atomic<std::uint64_t> seen{0};    // operations since arming
  };

  static void arm(counter& c, std::uint64_t n) noexcept {
    c.seen.store(0);
    c.target.store(n);
  }

  static bool step(counter& c) noexcept {
    const std::uint64_t seen = c.seen.fetch_add(1) + 1;
    std::uint64_t target = seen;
    return c.target.compare_exchange_strong(target, 0);
  }

  counter commit_;
  counter read_;
};

}  // namespace sy::clearing::store
