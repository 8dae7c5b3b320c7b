// The risk limits' checks and their in-memory state (risk_guard.h).
#include "gateway/risk_guard.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace sy::gateway {
namespace {

using protocol::decline;

std::optional<std::int64_t> cap_in(const std::vector<config::currency_amount>& table,
                                   const protocol::currency& currency) {
  for (const auto& entry : table) {
    if (entry.currency == currency.code()) return entry.amount_minor;
  }
  return std::nullopt;
}

// A BIN range holds PANs whose prefix of the range's length lies between its ends (equal-length
// digit strings compare as numbers).
bool in_range(std::string_view pan, const config::bin_range& range) {
  if (pan.size() < range.low.size()) return false;
  const std::string_view prefix = pan.substr(0, range.low.size());
  return prefix >= range.low && prefix <= range.high;
}

bool blocked(const config::risk_limits& limits, const risk_card& card) {
  return std::any_of(limits.blocked_bins.begin(), limits.blocked_bins.end(),
                     [&](const config::bin_range& r) { return in_range(card.pan, r); }) ||
         std::find(limits.blocked_card_tokens.begin(), limits.blocked_card_tokens.end(),
                   card.token) != limits.blocked_card_tokens.end();
}

std::string volume_key(std::string_view merchant_id, const protocol::currency& currency) {
  std::string key(merchant_id);
  key += '\0';
  key += currency.code();
  return key;
}

template <class Shards>
auto& shard_for(Shards& shards, std::string_view key) {
  return shards[std::hash<std::string_view>{}(key) % shards.size()];
}

std::int64_t sum_of(const auto& sums) {
  return std::accumulate(sums.begin(), sums.end(), std::int64_t{0});
}

}  // namespace

risk_guard::volume_shard& risk_guard::volumes_of(std::string_view merchant_id) {
  return shard_for(volumes_, merchant_id);
}

result<risk_ticket, protocol::decline> risk_guard::admit(const config::risk_limits& limits,
                                                         const risk_request& request) {
  if (limits.frozen) return decline::merchant_frozen;
  if (request.card && blocked(limits, *request.card)) return decline::card_blocked;
  const auto& amount = request.amount;
  if (const auto max = cap_in(limits.transaction_amount_max, amount.currency);
      max && amount.amount > *max) {
    return decline::amount_limit_exceeded;
  }
  const auto daily_cap = cap_in(limits.daily_volume_max, amount.currency);
  const auto key = volume_key(request.merchant_id, amount.currency);
  auto& vs = volumes_of(request.merchant_id);
  {
    std::lock_guard lock(vs.mutex);
    auto& v = vs.volumes[key];
    if (v.date != request.business_date) v = volume{request.business_date, 0, 0};
    // Amounts are at most limits::amount_minor_max each and a day's count is bounded by the
    // switch's throughput, so these sums stay far inside int64.
    if (daily_cap && v.approved + v.reserved + amount.amount > *daily_cap) {
      return decline::amount_limit_exceeded;
    }
    v.reserved += amount.amount;
  }
  risk_ticket ticket{std::string(request.merchant_id), amount, request.business_date};
  if (!within_velocity(limits, request)) {
    settle(ticket, false);
    return decline::velocity_limit_exceeded;
  }
  return ticket;
}

bool risk_guard::within_velocity(const config::risk_limits& limits, const risk_request& request) {
  if (!request.card) return true;
  const auto amount_cap = cap_in(limits.velocity_amount_max, request.amount.currency);
  const bool count_capped = limits.velocity_count_max > 0;
  if (!count_capped && !amount_cap) return true;
  // Velocity limits are each merchant's own, so are the windows counting against them.
  const std::string_view token = request.card->token;
  std::string count_key = "n" + std::string(request.merchant_id);
  count_key += '\0';
  count_key += token;
  std::string amount_key = "a" + count_key.substr(1);
  amount_key += '\0';
  amount_key += request.amount.currency.code();
  const std::int64_t window_ms = limits.velocity_window_s * 1000;
  const std::int64_t now = request.now.time_since_epoch().count();
  auto& s = shard_for(cards_, token);
  std::lock_guard lock(s.mutex);
  window* counts = count_capped ? &touch(s, count_key, window_ms, now) : nullptr;
  window* amounts = amount_cap ? &touch(s, amount_key, window_ms, now) : nullptr;
  if (counts && sum_of(counts->sums) + 1 > limits.velocity_count_max) return false;
  if (amounts && sum_of(amounts->sums) + request.amount.amount > *amount_cap) return false;
  if (counts)
    counts->sums[static_cast<std::size_t>(counts->last_bucket) % counts->sums.size()] += 1;
  if (amounts) {
    amounts->sums[static_cast<std::size_t>(amounts->last_bucket) % amounts->sums.size()] +=
        request.amount.amount;
  }
  return true;
}

risk_guard::window& risk_guard::touch(card_shard& s, const std::string& key, std::int64_t window_ms,
                                      std::int64_t now_ms) {
  constexpr auto buckets = static_cast<std::int64_t>(limits::risk_window_bucket_count);
  const std::int64_t width = std::max<std::int64_t>(1, (window_ms + buckets - 1) / buckets);
  const std::int64_t bucket = now_ms / width;
  auto it = s.windows.find(key);
  if (it == s.windows.end()) {
    constexpr std::size_t per_shard = limits::risk_tracked_card_count_max / shard_count;
    if (s.windows.size() >= per_shard) {
      s.windows.erase(s.by_age.front());
      s.by_age.pop_front();
      evicted_.fetch_add(1, std::memory_order_relaxed);
    }
    s.by_age.push_back(key);
    it = s.windows.emplace(key, window{width, bucket, {}, std::prev(s.by_age.end())}).first;
  } else {
    s.by_age.splice(s.by_age.end(), s.by_age, it->second.age);
  }
  window& w = it->second;
  if (w.bucket_ms != width) {  // the configured window changed: start it afresh
    w.bucket_ms = width;
    w.last_bucket = bucket;
    w.sums.fill(0);
  }
  // Clear the buckets that fell out of the window since the last attempt.
  for (std::int64_t b = w.last_bucket + 1; b <= bucket && b <= w.last_bucket + buckets; ++b) {
    w.sums[static_cast<std::size_t>(b) % w.sums.size()] = 0;
  }
  w.last_bucket = std::max(w.last_bucket, bucket);
  return w;
}

void risk_guard::settle(const risk_ticket& ticket, bool approved) {
  auto& vs = volumes_of(ticket.merchant_id);
  std::lock_guard lock(vs.mutex);
  auto& v = vs.volumes[volume_key(ticket.merchant_id, ticket.amount.currency)];
  if (v.date != ticket.business_date) return;  // a past date: nothing to correct any more
  v.reserved -= ticket.amount.amount;
  if (approved) v.approved += ticket.amount.amount;
}

void risk_guard::restore_approved(std::string_view merchant_id, std::chrono::year_month_day date,
                                  const protocol::money& amount) {
  auto& vs = volumes_of(merchant_id);
  std::lock_guard lock(vs.mutex);
  auto& v = vs.volumes[volume_key(merchant_id, amount.currency)];
  if (v.date != date) v = volume{date, 0, 0};
  v.approved += amount.amount;
}

std::uint64_t risk_guard::cards_evicted() const noexcept {
  return evicted_.load(std::memory_order_relaxed);
}

}  // namespace sy::gateway
