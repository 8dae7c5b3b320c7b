// The simulated bank's own record of what it approved, in memory: one record per approved
// request, a reversal marking its original, and the rows of a business date for its settlement
// file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/limits.h"

namespace sy::routing::sim {

// What an approval is in the settlement file (specs/clearing-files.md event types). An
// authorization (0100) is kept so a reversal can find it, but it settles nothing.
enum class event_kind : std::uint8_t { authorization, sale, capture, refund };

std::string_view to_string(event_kind kind) noexcept;

struct ledger_record {
  std::string rrn;                // DE 37
  std::string stan;               // DE 11
  std::string transmission_time;  // DE 7, with DE 11 what a reversal's DE 90 names
  event_kind kind = event_kind::sale;
  std::int64_t amount = 0;         // minor units, negative for a refund
  std::string currency;            // ISO 4217 alphabetic (numeric digits when unknown)
  std::string authorization_code;  // DE 38 as answered
  std::string business_date;       // YYYY-MM-DD
  bool reversed = false;
};

class bank_ledger {
 public:
  // At most `record_count_max` records (a smaller cap lets tests reach it).
  explicit bank_ledger(std::size_t record_count_max = limits::sim_ledger_record_count_max)
      : record_count_max_(record_count_max) {}

  enum class add_result : std::uint8_t {
    added,
    duplicate,  // a record with this RRN is already there (a retransmission): nothing added
    full,       // the record cap reached
  };

  add_result add(ledger_record record);

  // Marks the original of a reversal as reversed: the record whose DE 11 and DE 7 are those in
  // DE 90 (`original_data`, n42: MTI, STAN, transmission time, ...), else the record with
  // `rrn`. Returns false when neither names a record (a reversal of something never approved);
  // reversing twice (0400 then its 0420 repeat) is harmless.
  bool reverse(std::string_view original_data, std::string_view rrn);

  // The records of `business_date` that settle (not authorizations, not reversed), in the order
  // they were approved.
  std::vector<const ledger_record*> settled(std::string_view business_date) const;

  // Every business date with at least one record, sorted.
  std::vector<std::string> business_dates() const;

  const ledger_record* find(std::string_view rrn) const;
  std::size_t size() const noexcept { return records_.size(); }
  void clear() noexcept;

 private:
  std::size_t record_count_max_;
  std::vector<ledger_record> records_;
  std::unordered_map<std::string, std::size_t> by_rrn_;
  std::unordered_map<std::uint64_t, std::size_t> by_trace_;  // STAN and DE 7 as one number
};

// DE 11 (6 digits) and DE 7 (10 digits) as one 16-digit key; false unless both are digits of
// exactly those lengths.
bool trace_key(std::string_view stan, std::string_view transmission_time, std::uint64_t& key);

}  // namespace sy::routing::sim
