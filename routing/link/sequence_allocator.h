// STAN (DE 11) and RRN (DE 37) allocation for one channel: unique as specs/bank-link.md requires
// and across restarts, durable by reserving blocks in the store rather than by a commit per
// request.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "clearing/layout.h"
#include "clearing/store/writer.h"
#include "config/limits.h"
#include "config/result.h"

namespace sy::routing::link {

// One request's numbers, as they travel: STAN n6, RRN 12 digits (an12), zero-padded.
struct trace_numbers {
  std::array<char, 6> stan_digits{};
  std::array<char, 12> rrn_digits{};

  std::string_view stan() const noexcept { return {stan_digits.data(), stan_digits.size()}; }
  std::string_view rrn() const noexcept { return {rrn_digits.data(), rrn_digits.size()}; }
};

// Hands out STANs and RRNs from blocks whose high-water marks are durable in the store's meta
// table (clearing::reserve_sequence). Scheme (docs/bank-link.md, "STAN and RRN"):
//  - STAN counts 000001-999999 within a business date and restarts at 000001 on the next date.
//    It never wraps within a date: past 999999 `next` refuses with stan_exhausted, because a
//    wrapped STAN could collide with one still outstanding or in that date's clearing file.
//  - RRN is a 12-digit sequence per channel, never reset: unique forever (10^12 - 1 numbers).
//  - Every number at or below a persisted mark may have been used, so a restart resumes above it;
//    numbers reserved but never handed out are skipped, never reused.
// The caller keeps one allocator per channel, submits the unit `reservation` gives to the store
// writer, and reports its outcome to `reserved`. Thread-safe (a mutex held for a few instructions).
class sequence_allocator {
 public:
  // Resumes from the channel's persisted marks (clearing::book::sequence; nullopt: none yet).
  explicit sequence_allocator(
      std::string channel, std::optional<clearing::layout::sequence_record> persisted,
      std::uint32_t block_count = limits::link_sequence_block_count,
      std::uint32_t low_water_count = limits::link_sequence_low_water_count);

  // The next STAN and RRN for a request of business date `date`. A later date than the last one
  // starts its STANs again at 000001 (after a reservation for that date commits). Errors:
  // numbers_pending (nothing durable is left: submit `reservation` and retry once it commits),
  // business_date_behind (the date went back: its STANs are no longer tracked), stan_exhausted,
  // rrn_exhausted.
  result<trace_numbers> next(std::chrono::year_month_day date);

  // The unit reserving the next block when fewer than the low-water count are left (or `date`
  // is a new business date), and no reservation is in flight; nullopt otherwise.
  std::optional<clearing::store::unit_of_work> reservation(std::chrono::year_month_day date);

  // The outcome of the last reservation's commit. Success: its numbers may be handed out.
  // Errors: sequence_conflict (key_exists, key_missing or record_changed: the record is not what
  // this allocator last saw, so another allocator holds the channel and this one must stop); any
  // other commit error is passed on and the next `reservation` tries again.
  result<void> reserved(const clearing::store::commit_outcome& outcome);

 private:
  void roll_to(std::chrono::year_month_day date);  // mutex held
  bool needs_block() const noexcept;               // mutex held

  std::mutex mutex_;
  const std::string channel_;
  const std::uint32_t block_count_;
  const std::uint32_t low_water_count_;
  std::optional<clearing::layout::sequence_record> persisted_;  // the last durable record
  std::optional<clearing::layout::sequence_record> pending_;    // the reservation in flight
  std::chrono::year_month_day date_{};                          // the business date STANs count in
  std::uint32_t next_stan_ = 1;
  std::uint32_t stan_limit_ = 0;  // durable for date_: next_stan_ <= stan_limit_ may be used
  std::uint64_t next_rrn_ = 1;
  std::uint64_t rrn_limit_ = 0;
};

}  // namespace sy::routing::link
