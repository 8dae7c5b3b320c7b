// STAN and RRN allocation from durable blocks (see sequence_allocator.h for the scheme).
#include "routing/link/sequence_allocator.h"

#include <algorithm>
#include <utility>

#include "clearing/book.h"
#include "clearing/store/errc.h"
#include "config/assert.h"
#include "routing/link/errc.h"

namespace sy::routing::link {
namespace {

using clearing::layout::rrn_max;
using clearing::layout::stan_max;

template <std::size_t N>
void put_digits(std::array<char, N>& out, std::uint64_t value) {
  for (std::size_t i = N; i-- > 0;) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

sequence_allocator::sequence_allocator(std::string channel,
                                       std::optional<clearing::layout::sequence_record> persisted,
                                       std::uint32_t block_count, std::uint32_t low_water_count)
    : channel_(std::move(channel)),
      block_count_(block_count),
      low_water_count_(low_water_count),
      persisted_(std::move(persisted)) {
  SY_VERIFY(block_count_ > 0 && low_water_count_ < block_count_);
  if (!persisted_) return;
  // Everything at or below the marks may have been handed out before the restart.
  date_ = persisted_->stan_date;
  next_stan_ = persisted_->stan_mark + 1;
  stan_limit_ = persisted_->stan_mark;
  next_rrn_ = persisted_->rrn_mark + 1;
  rrn_limit_ = persisted_->rrn_mark;
}

void sequence_allocator::roll_to(std::chrono::year_month_day date) {
  if (date <= date_) return;
  // No STAN of a later date has been handed out: any would need a durable record of that date.
  date_ = date;
  next_stan_ = 1;
  stan_limit_ = 0;
}

bool sequence_allocator::needs_block() const noexcept {
  const bool stan_low = stan_limit_ < stan_max && stan_limit_ + 1 - next_stan_ < low_water_count_;
  const bool rrn_low = rrn_limit_ < rrn_max && rrn_limit_ + 1 - next_rrn_ < low_water_count_;
  return stan_low || rrn_low;
}

result<trace_numbers> sequence_allocator::next(std::chrono::year_month_day date) {
  const std::lock_guard lock(mutex_);
  if (date < date_) return errc::business_date_behind;
  roll_to(date);
  if (next_stan_ > stan_max) return errc::stan_exhausted;
  if (next_rrn_ > rrn_max) return errc::rrn_exhausted;
  if (next_stan_ > stan_limit_ || next_rrn_ > rrn_limit_) return errc::numbers_pending;
  trace_numbers out;
  put_digits(out.stan_digits, next_stan_++);
  put_digits(out.rrn_digits, next_rrn_++);
  return out;
}

std::optional<clearing::store::unit_of_work> sequence_allocator::reservation(
    std::chrono::year_month_day date) {
  const std::lock_guard lock(mutex_);
  if (date >= date_) roll_to(date);
  if (pending_ || !needs_block()) return std::nullopt;
  // Each mark moves a whole block past the numbers already durable, capped at the element's
  // digits; the mark not running low moves too, which costs nothing and saves a commit.
  clearing::layout::sequence_record next;
  next.stan_date = date_;
  next.stan_mark = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(std::uint64_t{stan_limit_} + block_count_, stan_max));
  next.rrn_mark = std::min<std::uint64_t>(rrn_limit_ + block_count_, rrn_max);
  pending_ = next;
  return clearing::reserve_sequence(channel_, next, persisted_);
}

result<void> sequence_allocator::reserved(const clearing::store::commit_outcome& outcome) {
  const std::lock_guard lock(mutex_);
  SY_VERIFY(pending_.has_value());
  const auto done = *std::exchange(pending_, std::nullopt);
  if (outcome.error) {
    if (outcome.error == clearing::store::errc::key_exists ||
        outcome.error == clearing::store::errc::key_missing ||
        outcome.error == clearing::store::errc::record_changed) {
      return errc::sequence_conflict;
    }
    return outcome.error;
  }
  persisted_ = done;
  // A block reserved for a date that has since ended gives no STANs for the new one.
  if (done.stan_date == date_) stan_limit_ = std::max(stan_limit_, done.stan_mark);
  rrn_limit_ = std::max(rrn_limit_, done.rrn_mark);
  return {};
}

}  // namespace sy::routing::link
