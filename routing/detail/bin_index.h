// The route table's BIN index: BIN prefix ranges normalised to 11-digit integer intervals, cut
// into disjoint sorted segments, each naming the rules (ascending) whose ranges cover it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "config/limits.h"
#include "config/result.h"

namespace sy::routing::detail {

// Keys are the first limits::route_bin_digits_max digits of a card number.
inline constexpr std::size_t bin_key_digits = limits::route_bin_digits_max;

// The key of a PAN: its first 11 digits as an integer; nullopt when it has fewer, or a
// non-digit among them (such a PAN matches no BIN rule).
std::optional<std::uint64_t> bin_key(std::string_view pan) noexcept;

struct bin_interval {
  std::uint64_t low = 0;   // inclusive
  std::uint64_t high = 0;  // inclusive
  friend bool operator==(const bin_interval&, const bin_interval&) = default;
};

// "510000".."559999" -> [51000000000, 55999999999]: the low prefix padded with 0s, the high with
// 9s. nullopt unless both are 1..11 digits of equal length and low <= high.
std::optional<bin_interval> normalise_bin_range(std::string_view low,
                                                std::string_view high) noexcept;

class bin_index {
 public:
  struct entry {
    bin_interval interval;
    std::uint16_t rule = 0;
  };

  bin_index();  // an index in which no key has a rule

  // Errors: route_errc::bin_index_too_large when the overlaps need more than
  // limits::route_bin_index_entry_count_max entries.
  static result<bin_index> build(std::span<const entry> entries, std::size_t rule_count);

  // The rules whose ranges hold `key` (at most 99999999999), ascending. Allocation-free: a
  // bucket by the first 4 digits, then a binary search over that bucket's segments.
  std::span<const std::uint16_t> rules_at(std::uint64_t key) const noexcept;

  std::size_t segment_count() const noexcept { return starts_.size(); }
  std::size_t entry_count() const noexcept { return pool_.size(); }

 private:
  void build_buckets();

  // The segment holding the first key of each bucket of 10^7 keys (the first 4 digits), and one
  // past the end: a lookup binary-searches only the few segments of its own bucket.
  std::vector<std::uint32_t> bucket_first_;
  std::vector<std::uint64_t> starts_;                           // sorted, starts_[0] == 0
  std::vector<std::pair<std::uint32_t, std::uint32_t>> lists_;  // per segment: offset, count
  std::vector<std::uint16_t> pool_;                             // interned rule lists
};

}  // namespace sy::routing::detail
