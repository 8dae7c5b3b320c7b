// The named tables of the book of record. The numeric values are part of the on-disk layout
// (each record's checksum covers its table's number), so they never change.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sy::clearing::store {

enum class table : std::uint8_t {
  meta = 0,           // layout version and store-wide facts
  payments = 1,       // payment or refund id -> its state
  events = 2,         // payment id + event id -> event
  idempotency = 3,    // merchant + idempotency key -> fingerprint, state, stored response, expiry
  journal = 4,        // business date + event id -> journal entry (read by clearing at cutoff)
  saf = 5,            // requests sent to a channel without a final state, and reversals due
  nonces = 6,         // merchant + request nonce -> expiry (replay protection)
  batches = 7,        // sealed clearing dates, their files and the journal entries they took
  payment_index = 8,  // merchant + payment id, merchant + reference + payment id (API lists)
  discrepancies = 9,  // channel + business date + number -> a reconciliation discrepancy
};

inline constexpr std::size_t table_count = 10;

inline constexpr std::array<table, table_count> all_tables{
    table::meta, table::payments, table::events,  table::idempotency,   table::journal,
    table::saf,  table::nonces,   table::batches, table::payment_index, table::discrepancies};

// The LMDB database name of a table; also how tools and logs name it.
constexpr std::string_view table_name(table t) noexcept {
  constexpr std::array<std::string_view, table_count> names{
      "meta", "payments", "events",  "idempotency",   "journal",
      "saf",  "nonces",   "batches", "payment_index", "discrepancies"};
  return names[static_cast<std::size_t>(t)];
}

}  // namespace sy::clearing::store
