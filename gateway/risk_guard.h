// The merchants' risk limits (config::risk_limits), checked for every new payment before it is
// routed: the freeze switch, blocked cards (BIN ranges and PAN tokens), the amount per payment,
// the daily volume per currency and the per-card velocity (count and amount in a sliding window).
// A refusal is a decline with its code, not an error. Pure logic, no I/O; state in memory.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "config/limits.h"
#include "config/result.h"
#include "protocol/money.h"
#include "protocol/payment_types.h"

namespace sy::gateway {

struct risk_card {
  std::string_view pan;    // the clear PAN: BIN ranges are matched on its prefix, never kept
  std::string_view token;  // its HSM token (hsm::pan_token): blocked_card_tokens and velocity
};

struct risk_request {
  std::string_view merchant_id;
  protocol::money amount;
  std::optional<risk_card> card;  // none for wallets: only frozen, amount and daily volume apply
  std::chrono::sys_time<std::chrono::milliseconds> now;
  std::chrono::year_month_day business_date;
};

// What admit() reserved against the daily volume, to settle once with the payment's outcome.
struct risk_ticket {
  std::string merchant_id;
  protocol::money amount;
  std::chrono::year_month_day business_date;
};

class risk_guard {
 public:
  // Checks, in this order: merchant_frozen; card_blocked (the PAN's prefix in a blocked BIN range,
  // or its token listed); amount_limit_exceeded (over transaction_amount_max, or the day's
  // approved and in-flight volume plus this amount over daily_volume_max); velocity_limit_exceeded
  // (the card's payments admitted in the last velocity_window_s, this one included, over
  // velocity_count_max, or their amount in this currency over velocity_amount_max). A currency
  // without an entry in a table has no cap in it. Admitted: the amount is reserved against the
  // daily volume and counted in the card's velocity (every attempt counts, approved or not: card
  // testing is many declined attempts). Thread-safe: short locks on one shard at a time.
  result<risk_ticket, protocol::decline> admit(const config::risk_limits& limits,
                                               const risk_request& request);

  // The admitted payment's outcome: an approval keeps its amount in the daily volume; anything
  // else releases the reservation. Call exactly once per ticket.
  void settle(const risk_ticket& ticket, bool approved);

  // An approval already in the book (start-up, from the journal) counted in its date's volume.
  void restore_approved(std::string_view merchant_id, std::chrono::year_month_day date,
                        const protocol::money& amount);

  // Cards forgotten because the tracked-card bound was reached (their velocity restarted).
  std::uint64_t cards_evicted() const noexcept;

 private:
  // One merchant's volume in one currency on one business date.
  struct volume {
    std::chrono::year_month_day date{};
    std::int64_t approved = 0;
    std::int64_t reserved = 0;  // admitted, outcome not yet known
  };
  // A sliding window as fixed buckets (limits::risk_window_bucket_count of window/60 each).
  struct window {
    std::int64_t bucket_ms = 0;    // the width the buckets were made with
    std::int64_t last_bucket = 0;  // the bucket number (time / width) of the newest bucket
    std::array<std::int64_t, limits::risk_window_bucket_count> sums{};
    std::list<std::string>::iterator age;  // position in the shard's least-recently-used list
  };
  struct volume_shard {
    std::mutex mutex;
    std::unordered_map<std::string, volume> volumes;  // merchant id '\0' currency
  };
  struct card_shard {
    std::mutex mutex;
    // "n" merchant '\0' token, or "a" merchant '\0' token '\0' currency
    std::unordered_map<std::string, window> windows;
    std::list<std::string> by_age;                    // least recently used first
  };
  static constexpr std::size_t shard_count = 16;

  // The window of `key` moved on to `now_ms` (created, or made anew when the configured window
  // changed), marked most recently used; may forget the shard's oldest card first. The caller
  // holds the shard's lock.
  window& touch(card_shard& s, const std::string& key, std::int64_t window_ms, std::int64_t now_ms);
  // Counts the attempt in the card's windows unless that takes one over its cap.
  bool within_velocity(const config::risk_limits& limits, const risk_request& request);
  volume_shard& volumes_of(std::string_view merchant_id);

  std::array<volume_shard, shard_count> volumes_;
  std::array<card_shard, shard_count> cards_;
  std::atomic<std::uint64_t> evicted_{0};
};

}  // namespace sy::gateway
