// Building the BIN index (a sweep over interval ends, interning equal rule lists) and looking a
// key up in it (a binary search over segment starts).
#include "routing/detail/bin_index.h"

#include <algorithm>
#include <bit>
#include <map>

#include "routing/route_errc.h"

namespace sy::routing::detail {
namespace {

bool all_digits(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t padded(std::string_view prefix, char fill) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bin_key_digits; ++i) {
    const char c = i < prefix.size() ? prefix[i] : fill;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

constexpr std::uint64_t bucket_keys = 10'000'000;  // keys per bucket: 11 digits, 4 of them
constexpr std::uint64_t bucket_count = 10'000;

// Where the set of covering rules may change: +rule at low, -rule just past high.
struct event {
  std::uint64_t position = 0;
  std::uint16_t rule = 0;
  bool starts = false;
};

// The set of rules covering the sweep's current position, as counts and a bitset.
class active_rules {
 public:
  explicit active_rules(std::size_t rule_count)
      : counts_(rule_count), words_((rule_count + 63) / 64) {}

  void apply(const event& e) noexcept {
    auto& n = counts_[e.rule];
    n = e.starts ? n + 1 : n - 1;
    const std::uint64_t bit = std::uint64_t{1} << (e.rule % 64);
    words_[e.rule / 64] = n > 0 ? words_[e.rule / 64] | bit : words_[e.rule / 64] & ~bit;
  }

  void list(std::vector<std::uint16_t>& out) const {
    out.clear();
    for (std::size_t w = 0; w < words_.size(); ++w) {
      for (std::uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        out.push_back(static_cast<std::uint16_t>(w * 64 + std::countr_zero(bits)));
      }
    }
  }

 private:
  std::vector<std::uint32_t> counts_;
  std::vector<std::uint64_t> words_;
};

}  // namespace

std::optional<std::uint64_t> bin_key(std::string_view pan) noexcept {
  if (pan.size() < bin_key_digits) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bin_key_digits; ++i) {
    const auto d = static_cast<unsigned>(pan[i]) - unsigned{'0'};
    if (d > 9) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<bin_interval> normalise_bin_range(std::string_view low,
                                                std::string_view high) noexcept {
  if (low.empty() || low.size() != high.size() || low.size() > bin_key_digits || !all_digits(low) ||
      !all_digits(high) || low > high) {
    return std::nullopt;
  }
  return bin_interval{padded(low, '0'), padded(high, '9')};
}

bin_index::bin_index() : starts_{0}, lists_{{0, 0}} {
  build_buckets();
}

void bin_index::build_buckets() {
  bucket_first_.resize(bucket_count + 1);
  std::size_t segment = 0;
  for (std::uint64_t b = 0; b <= bucket_count; ++b) {
    while (segment + 1 < starts_.size() && starts_[segment + 1] <= b * bucket_keys) ++segment;
    bucket_first_[b] = static_cast<std::uint32_t>(segment);
  }
}

result<bin_index> bin_index::build(std::span<const entry> entries, std::size_t rule_count) {
  std::vector<event> events;
  events.reserve(entries.size() * 2);
  for (const auto& e : entries) {
    events.push_back({e.interval.low, e.rule, true});
    events.push_back({e.interval.high + 1, e.rule, false});
  }
  std::sort(events.begin(), events.end(),
            [](const event& a, const event& b) { return a.position < b.position; });

  bin_index index;
  active_rules active(rule_count);
  std::map<std::vector<std::uint16_t>, std::pair<std::uint32_t, std::uint32_t>> interned{{{}, {}}};
  std::vector<std::uint16_t> list;
  for (std::size_t i = 0; i < events.size();) {
    const std::uint64_t position = events[i].position;
    for (; i < events.size() && events[i].position == position; ++i) active.apply(events[i]);
    active.list(list);
    auto [it, added] = interned.try_emplace(list);
    if (added) {
      if (index.pool_.size() + list.size() > limits::route_bin_index_entry_count_max) {
        return route_errc::bin_index_too_large;
      }
      it->second = {static_cast<std::uint32_t>(index.pool_.size()),
                    static_cast<std::uint32_t>(list.size())};
      index.pool_.insert(index.pool_.end(), list.begin(), list.end());
    }
    if (index.lists_.back() == it->second) continue;  // same rules as the segment before
    if (index.starts_.back() == position) {
      index.lists_.back() = it->second;  // only at position 0: replaces the initial empty segment
    } else {
      index.starts_.push_back(position);
      index.lists_.push_back(it->second);
    }
  }
  index.build_buckets();
  return index;
}

std::span<const std::uint16_t> bin_index::rules_at(std::uint64_t key) const noexcept {
  const std::uint64_t bucket = std::min(key / bucket_keys, bucket_count - 1);
  // The segment holding `key` lies between the ones holding this bucket's and the next's starts.
  const auto first = starts_.begin() + bucket_first_[bucket];
  const auto last = starts_.begin() + bucket_first_[bucket + 1];
  const auto it = std::upper_bound(first + 1, last + 1, key);
  const auto [offset, count] = lists_[static_cast<std::size_t>(it - starts_.begin()) - 1];
  return {pool_.data() + offset, count};
}

}  // namespace sy::routing::detail
