// The record envelope: the fixed header and checksum around every value the store keeps, so a
// torn, truncated or misplaced value is an error on read, never a wrong answer (docs/storage.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "clearing/store/table.h"
#include "config/result.h"

namespace sy::clearing::store {

// Byte layout, little-endian:
//   0  u8   format    envelope_format
//   1  u8   kind      record kind, chosen by the typed layout of the table
//   2  u16  reserved  zero
//   4  u32  length    payload length in bytes
//   8  u64  checksum  XXH3-64 (seed 0) over: table number (u8), format (u8), kind (u8),
//                     key length (u32), key bytes, payload length (u32), payload bytes
//  16  payload
inline constexpr std::size_t envelope_header_size = 16;
inline constexpr std::uint8_t envelope_format = 1;

// A verified record whose payload points into memory owned by someone else (an LMDB page inside
// a read transaction, or a caller's buffer).
struct record_view {
  std::uint8_t kind = 0;
  std::string_view payload;
};

// A verified record copied out of the store.
struct record {
  std::uint8_t kind = 0;
  std::string payload;

  friend bool operator==(const record&, const record&) = default;
};

constexpr std::size_t envelope_size(std::size_t payload_size) noexcept {
  return envelope_header_size + payload_size;
}

// Writes the envelope of `payload` stored under `key` in `t` into `out`, which must hold
// envelope_size(payload.size()) bytes. Cannot fail; sizes are checked before (limits.h).
void seal(table t, std::string_view key, std::uint8_t kind, std::string_view payload,
          char* out) noexcept;

// The same, into a new string.
std::string seal(table t, std::string_view key, std::uint8_t kind, std::string_view payload);

// Verifies the envelope `value` read under `key` in `t` and returns its kind and payload (a view
// into `value`). Errors: errc::corrupt_record when the value is shorter than a header, the
// format is unknown, the reserved bytes are not zero, the length disagrees, or the checksum does
// not match (including a value copied under another key or table).
result<record_view> unseal(table t, std::string_view key, std::string_view value) noexcept;

}  // namespace sy::clearing::store
