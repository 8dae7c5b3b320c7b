// The log-linear histogram's bucket arithmetic (histogram.h).
#include "bench/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace sy::load {

histogram::histogram(unsigned precision_bits) : precision_bits_(precision_bits) {
  if (precision_bits < 1 || precision_bits > 16) {
    throw std::invalid_argument("histogram precision_bits must be 1 to 16");
  }
  const std::size_t per_octave = std::size_t{1} << precision_bits;
  // 2^(p+1) exact slots, then 2^p buckets for each of the remaining 64 - (p+1) powers of two.
  counts_.assign(2 * per_octave + (64 - (precision_bits + 1)) * per_octave, 0);
}

std::size_t histogram::index_of(std::uint64_t value) const noexcept {
  const std::uint64_t per_octave = std::uint64_t{1} << precision_bits_;
  if (value < 2 * per_octave) return static_cast<std::size_t>(value);
  const unsigned shift = static_cast<unsigned>(std::bit_width(value)) - (precision_bits_ + 1);
  const std::uint64_t top = value >> shift;  // in [2^p, 2^(p+1))
  return static_cast<std::size_t>(2 * per_octave + (shift - 1) * per_octave + (top - per_octave));
}

std::uint64_t histogram::highest_of(std::size_t index) const noexcept {
  const std::uint64_t per_octave = std::uint64_t{1} << precision_bits_;
  if (index < 2 * per_octave) return index;
  const std::uint64_t k = index - 2 * per_octave;
  const unsigned shift = static_cast<unsigned>(k / per_octave) + 1;
  const std::uint64_t top = per_octave + k % per_octave;
  return (top << shift) + ((std::uint64_t{1} << shift) - 1);
}

void histogram::record(std::uint64_t value) noexcept {
  ++counts_[index_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) {
  if (other.precision_bits_ != precision_bits_) {
    throw std::invalid_argument("merging histograms of different precision");
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(clamped * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_of(i), max_);
  }
  return max_;
}

double histogram::relative_error_max() const noexcept {
  return std::ldexp(1.0, -static_cast<int>(precision_bits_));
}

}  // namespace sy::load
