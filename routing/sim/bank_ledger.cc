// The simulated bank's in-memory approval record and its reversal marks.
#include "routing/sim/bank_ledger.h"

#include <algorithm>
#include <set>

namespace sy::routing::sim {

std::string_view to_string(event_kind kind) noexcept {
  switch (kind) {
    case event_kind::authorization:
      return "authorization";
    case event_kind::sale:
      return "sale";
    case event_kind::capture:
      return "capture";
    case event_kind::refund:
      return "refund";
  }
  return "sale";
}

bool trace_key(std::string_view stan, std::string_view transmission_time, std::uint64_t& key) {
  if (stan.size() != 6 || transmission_time.size() != 10) return false;
  std::uint64_t value = 0;
  for (const char c : stan) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (const char c : transmission_time) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  key = value;
  return true;
}

bank_ledger::add_result bank_ledger::add(ledger_record record) {
  if (by_rrn_.contains(record.rrn)) return add_result::duplicate;
  if (records_.size() >= record_count_max_) return add_result::full;
  const std::size_t index = records_.size();
  std::uint64_t key = 0;
  if (trace_key(record.stan, record.transmission_time, key)) by_trace_.emplace(key, index);
  by_rrn_.emplace(record.rrn, index);
  records_.push_back(std::move(record));
  return add_result::added;
}

bool bank_ledger::reverse(std::string_view original_data, std::string_view rrn) {
  std::uint64_t key = 0;
  if (original_data.size() >= 20 &&
      trace_key(original_data.substr(4, 6), original_data.substr(10, 10), key)) {
    if (const auto it = by_trace_.find(key); it != by_trace_.end()) {
      records_[it->second].reversed = true;
      return true;
    }
  }
  if (const auto it = by_rrn_.find(std::string(rrn)); !rrn.empty() && it != by_rrn_.end()) {
    records_[it->second].reversed = true;
    return true;
  }
  return false;
}

std::vector<const ledger_record*> bank_ledger::settled(std::string_view business_date) const {
  std::vector<const ledger_record*> out;
  for (const auto& r : records_) {
    if (r.business_date == business_date && !r.reversed && r.kind != event_kind::authorization) {
      out.push_back(&r);
    }
  }
  return out;
}

std::vector<std::string> bank_ledger::business_dates() const {
  std::set<std::string> dates;
  for (const auto& r : records_) dates.insert(r.business_date);
  return {dates.begin(), dates.end()};
}

const ledger_record* bank_ledger::find(std::string_view rrn) const {
  const auto it = by_rrn_.find(std::string(rrn));
  return it == by_rrn_.end() ? nullptr : &records_[it->second];
}

void bank_ledger::clear() noexcept {
  records_.clear();
  by_rrn_.clear();
  by_trace_.clear();
}

}  // namespace sy::routing::sim
