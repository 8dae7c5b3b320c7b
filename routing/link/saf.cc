// Store-and-forward decisions for reversals (see saf.h and docs/bank-link.md, "Reversals").
#include "routing/link/saf.h"

#include <algorithm>
#include <utility>

#include "clearing/store/errc.h"
#include "config/assert.h"
#include "routing/backoff.h"

namespace sy::routing::link {
namespace {

using clearing::layout::request_kind;
using clearing::store::operation;
using clearing::store::require;
using clearing::store::table;

std::string_view text_or_empty(const std::optional<std::string>& s) noexcept {
  return s ? std::string_view(*s) : std::string_view();
}

clearing::store::unit_of_work erase_unit(const std::string& key) {
  // Whatever attempt count it holds by now, an acknowledged reversal is done.
  return {{operation::erase(table::saf, key, require::present)}};
}

}  // namespace

std::chrono::milliseconds retry_delay(std::uint32_t attempts, const reversal_policy& policy,
                                      std::uint64_t random) noexcept {
  return backoff_delay(attempts, backoff{policy.base, policy.max}, random);
}

reversal_request reversal_of(const clearing::layout::channel_request& request, card_data card) {
  reversal_request r;
  r.repeat = request.attempts > 0 || request.kind == request_kind::void_;
  r.amount = request.amount;
  r.card = card;
  r.original = original_data{
      request.mti, text_or_empty(request.stan), text_or_empty(request.rrn),
      request.kind == request_kind::refund ? refund_processing_code : purchase_processing_code,
      request.sent_at};
  return r;
}

saf_queue::saf_queue(reversal_policy policy, std::function<std::uint64_t()> random)
    : policy_(policy), random_(std::move(random)) {
  SY_VERIFY(random_ != nullptr);
}

saf_queue::entry* saf_queue::find(std::string_view key) noexcept {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [key](const entry& e) { return e.stored.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

void saf_queue::add(clearing::open_request due) {
  if (find(due.key) != nullptr) return;
  entries_.push_back(entry{std::move(due), std::nullopt, false, false});
}

std::optional<saf_queue::attempt> saf_queue::next_attempt(clearing::event_time now) {
  entry* soonest = nullptr;
  for (auto& e : entries_) {
    if (e.acknowledged || e.next || e.stored.request.next_attempt_at > now) continue;
    if (soonest == nullptr ||
        e.stored.request.next_attempt_at < soonest->stored.request.next_attempt_at) {
      soonest = &e;
    }
  }
  if (soonest == nullptr) return std::nullopt;
  const auto& before = soonest->stored.request;
  auto after = before;
  after.attempts = before.attempts + 1;
  after.next_attempt_at = now + retry_delay(after.attempts, policy_, random_());
  soonest->next = after;
  const auto kind = clearing::layout::kind_byte(clearing::layout::kind::channel_request);
  clearing::store::unit_of_work unit{
      {operation::replace(table::saf, soonest->stored.key, kind, clearing::layout::encode(after),
                          kind, clearing::layout::encode(before))}};
  return attempt{soonest->stored.key, after, reversal_of(before, {}).repeat, std::move(unit)};
}

void saf_queue::attempt_committed(std::string_view key,
                                  const clearing::store::commit_outcome& outcome) {
  entry* e = find(key);
  if (e == nullptr || !e->next) return;
  if (!outcome.error) {
    e->stored.request = *e->next;
    ++counters_.attempts;
  }
  e->next.reset();
}

std::optional<clearing::store::unit_of_work> saf_queue::acknowledge(std::string_view key) {
  entry* e = find(key);
  if (e == nullptr || e->acknowledged) {
    ++counters_.acknowledgements_ignored;
    return std::nullopt;
  }
  e->acknowledged = true;
  e->erasing = true;
  ++counters_.acknowledged;
  return erase_unit(e->stored.key);
}

void saf_queue::acknowledgement_committed(std::string_view key,
                                          const clearing::store::commit_outcome& outcome) {
  entry* e = find(key);
  if (e == nullptr) return;
  // key_missing: nothing left to erase, which is what the unit wanted.
  if (outcome.error && outcome.error != clearing::store::errc::key_missing) {
    e->erasing = false;
    return;
  }
  entries_.erase(entries_.begin() + (e - entries_.data()));
}

std::vector<std::pair<std::string, clearing::store::unit_of_work>> saf_queue::acknowledge_retry() {
  std::vector<std::pair<std::string, clearing::store::unit_of_work>> out;
  for (auto& e : entries_) {
    if (!e.acknowledged || e.erasing) continue;
    e.erasing = true;
    out.emplace_back(e.stored.key, erase_unit(e.stored.key));
  }
  return out;
}

}  // namespace sy::routing::link
