// The in-flight table of one bank link connection: linear probing with backward-shift deletion,
// hashed on the elements every response carries (MTI class, STAN, terminal id).
#include "routing/link/inflight.h"

#include <algorithm>
#include <bit>

#include "config/assert.h"
#include "routing/link/errc.h"
#include "routing/link/messages.h"

namespace sy::routing::link {
namespace {

template <std::size_t N>
void fill(std::array<char, N>& out, std::string_view value) noexcept {
  out.fill(' ');
  std::copy_n(value.begin(), std::min(N, value.size()), out.begin());
}

// DE 37 is compared only when the response carries it.
bool answers(const inflight_key& request, const response_key& response) noexcept {
  return request.mti == response.key.mti && request.stan == response.key.stan &&
         request.terminal == response.key.terminal &&
         (!response.has_rrn || request.rrn == response.key.rrn);
}

}  // namespace

inflight_key inflight_key::make(std::string_view request_mti, std::string_view stan,
                                std::string_view terminal, std::string_view rrn) noexcept {
  inflight_key k;
  fill(k.mti, request_mti);
  fill(k.stan, stan);
  fill(k.terminal, terminal);
  fill(k.rrn, rrn);
  return k;
}

response_key response_key::of(const response& r) noexcept {
  return {inflight_key::make(request_mti_of(r.mti), r.stan, r.terminal_id, r.rrn), !r.rrn.empty()};
}

inflight_table::inflight_table(std::size_t count_max, std::size_t retired_count_max)
    : count_max_(count_max),
      slots_(std::bit_ceil(std::max<std::size_t>(2 * count_max, 2))),
      retired_(
          retired_count_max != 0
              ? retired_count_max
              : std::max<std::size_t>(
                    count_max * static_cast<std::size_t>(limits::link_retired_per_inflight), 1)) {
  SY_VERIFY(count_max > 0 && count_max <= static_cast<std::size_t>(limits::channel_inflight_max +
                                                                     limits::link_control_inflight_count));
}

std::size_t inflight_table::home_of(const inflight_key& key) const noexcept {
  // FNV-1a over the elements every response repeats; DE 37 is left out because a response may
  // omit it.
  std::uint64_t h = 1469598103934665603ULL;
  const auto mix = [&h](auto const& bytes) {
    for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  };
  mix(key.mti);
  mix(key.stan);
  mix(key.terminal);
  return static_cast<std::size_t>(h) & (slots_.size() - 1);
}

std::size_t inflight_table::find(const response_key& key) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home_of(key.key); slots_[i].used; i = (i + 1) & mask) {
    if (answers(slots_[i].key, key)) return i;
  }
  return slots_.size();
}

result<void> inflight_table::add(const inflight_key& key, std::uint64_t token,
                                 link_clock::time_point deadline) noexcept {
  if (size_ >= count_max_) {
    ++counters_.refused_full;
    return errc::inflight_full;
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home_of(key);
  for (; slots_[i].used; i = (i + 1) & mask) {
    if (slots_[i].key == key) return errc::inflight_duplicate;
  }
  slots_[i] = slot{key, token, deadline, true};
  ++size_;
  return {};
}

void inflight_table::erase_at(std::size_t index) noexcept {
  // Backward-shift deletion: move each following entry of the probe run into the hole unless its
  // home lies cyclically after the hole, so every entry stays reachable from its home.
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = index;
  for (std::size_t j = (hole + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
    const std::size_t home = home_of(slots_[j].key);
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole].used = false;
  --size_;
}

void inflight_table::retire(const inflight_key& key, ending how) noexcept {
  retired_[retired_next_] = retired{key, how};
  retired_next_ = (retired_next_ + 1) % retired_.size();
  retired_size_ = std::min(retired_size_ + 1, retired_.size());
}

match inflight_table::recall(const response_key& key) noexcept {
  // Newest first: a key can end twice only across a business date, and the newest is the one a
  // response is most likely to be about.
  for (std::size_t n = 0; n < retired_size_; ++n) {
    const std::size_t i = (retired_next_ + retired_.size() - 1 - n) % retired_.size();
    if (!answers(retired_[i].key, key)) continue;
    if (retired_[i].how == ending::answered) {
      ++counters_.duplicate;
      return {match_kind::duplicate, 0};
    }
    ++counters_.late;
    return {match_kind::late, 0};
  }
  ++counters_.unknown;
  return {match_kind::unknown, 0};
}

match inflight_table::take(const response_key& key) noexcept {
  const std::size_t i = find(key);
  if (i == slots_.size()) return recall(key);
  const match found{match_kind::matched, slots_[i].token};
  retire(slots_[i].key, ending::answered);
  erase_at(i);
  ++counters_.matched;
  return found;
}

std::size_t inflight_table::expire(link_clock::time_point now,
                                   std::span<expired_request> out) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < slots_.size() && n < out.size(); ++i) {
    // Deletion shifts a later entry into slot i, so look at i again until it holds a live one.
    while (slots_[i].used && slots_[i].deadline <= now && n < out.size()) {
      out[n++] = expired_request{slots_[i].key, slots_[i].token};
      retire(slots_[i].key, ending::given_up);
      erase_at(i);
      ++counters_.timed_out;
    }
  }
  return n;
}

bool inflight_table::abandon(const inflight_key& key) noexcept {
  const std::size_t i = find(response_key{key, true});
  if (i == slots_.size()) return false;
  retire(slots_[i].key, ending::given_up);
  erase_at(i);
  return true;
}

}  // namespace sy::routing::link
