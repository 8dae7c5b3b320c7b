// The weighted pick and the failover walk of a route plan.
#include "routing/route_plan.h"

#include <array>

#include "config/assert.h"

namespace sy::routing {
namespace {

// splitmix64's finaliser: callers may pass sequential numbers and still get even shares.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t bit(std::size_t position) noexcept {
  return std::uint64_t{1} << position;
}

}  // namespace

route_plan::route_plan(const route_rule& rule, std::uint64_t split_key) noexcept
    : rule_(&rule), split_key_(mix(split_key)) {
  SY_ASSERT(rule.channels.size() <= 64);
}

std::optional<std::size_t> route_plan::next(health_board& board,
                                            channel_health::clock::time_point now) noexcept {
  if (rule_ == nullptr) return std::nullopt;
  const auto& channels = rule_->channels;
  if (!rule_->weights.empty()) {
    while (const auto position = pick_weighted(board, now)) {
      tried_ |= bit(*position);
      const std::size_t channel = channels[*position];
      if (board[channel].try_acquire(now)) return channel;
    }
  }
  for (std::size_t position = 0; position < channels.size(); ++position) {
    if ((tried_ & bit(position)) != 0) continue;
    tried_ |= bit(position);
    const std::size_t channel = channels[position];
    SY_ASSERT(channel < board.size());
    if (board[channel].try_acquire(now)) return channel;
  }
  return std::nullopt;
}

std::optional<std::size_t> route_plan::pick_weighted(
    const health_board& board, channel_health::clock::time_point now) const noexcept {
  const auto& channels = rule_->channels;
  const auto& weights = rule_->weights;
  std::array<std::uint8_t, 64> eligible{};
  std::size_t count = 0;
  std::uint64_t total = 0;
  for (std::size_t position = 0; position < channels.size(); ++position) {
    if ((tried_ & bit(position)) != 0 || weights[position] == 0) continue;
    SY_ASSERT(channels[position] < board.size());
    if (!board[channels[position]].available(now)) continue;
    eligible[count++] = static_cast<std::uint8_t>(position);
    total += weights[position];
  }
  if (total == 0) return std::nullopt;
  std::uint64_t point = split_key_ % total;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t position = eligible[i];
    if (point < weights[position]) return position;
    point -= weights[position];
  }
  return std::nullopt;  // unreachable: point < total
}

}  // namespace sy::routing
