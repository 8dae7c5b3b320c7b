// A compact log-linear latency histogram in the manner of HdrHistogram: values up to 2^(p+1) are
// counted exactly, above that each power of two is split into 2^p equal buckets, so a reported
// value is never below the true one and at most 2^-p above it (relative), whatever the range.
#pragma once

#include <cstdint>
#include <vector>

namespace sy::load {

class histogram {
 public:
  // `precision_bits` p in 1..16: the relative error bound is 2^-p (7: under 0.8 %).
  explicit histogram(unsigned precision_bits = 7);

  void record(std::uint64_t value) noexcept;
  // Adds every count of `other`, which must have the same precision.
  void merge(const histogram& other);

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }  // exact
  double mean() const noexcept;

  // The smallest bucket's highest value at or below which a fraction `q` (0..1) of the recorded
  // values lie; never below the true quantile, at most a factor (1 + 2^-p) above it, and never
  // above max(). 0 when nothing is recorded.
  std::uint64_t quantile(double q) const noexcept;

  // The precision's bound: |reported - true| / true <= this.
  double relative_error_max() const noexcept;

  // Visits every non-empty bucket in ascending order with (highest value of the bucket, count).
  template <typename F>
  void for_each_bucket(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(highest_of(i), counts_[i]);
    }
  }

 private:
  std::size_t index_of(std::uint64_t value) const noexcept;
  std::uint64_t highest_of(std::size_t index) const noexcept;

  unsigned precision_bits_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;  // 64 bits of mantissa: nanosecond latencies sum without rounding away
};

}  // namespace sy::load
