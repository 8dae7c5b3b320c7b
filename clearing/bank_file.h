// The bank's settlement file (specs/clearing-files.md, "Channel settlement file (input)"): the
// channel's column mapping, validated once, and a streaming reader that checks every byte of a
// hostile file and hands each row to a callback, in memory bounded by config/limits.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/limits.h"
#include "config/result.h"

namespace sy::clearing {

// The fields a bank row can map to (config channel.settlement_columns names; "-" skips a column).
// Required in every mapping: rrn, event_type, amount, currency. Optional: stan,
// authorization_code, business_date.
enum class bank_column : std::uint8_t {
  skip,  // "-": any text, not read
  rrn,
  stan,
  event_type,
  amount,
  currency,
  authorization_code,
  business_date,
};

// "rrn", "stan", ..., "-" for skip.
std::string_view to_string(bank_column c) noexcept;

// One data row. The views point into the reader's buffer and are valid only during the callback;
// every field has been checked as described here. A column the mapping lacks stays empty.
struct bank_record {
  std::string_view rrn;                 // 1..12 ASCII letters or digits
  std::string_view stan;                // empty, or exactly 6 digits
  std::string_view event_type;          // one of sale, capture, refund, reversal
  std::int64_t amount = 0;              // signed minor units (refund negative): optional leading
                                        // '-', then 1..18 digits
  std::string_view currency;            // ISO 4217 alphabetic known to protocol::find_currency
  std::string_view authorization_code;  // empty or 1..6 ASCII letters/digits
  std::string_view business_date;       // empty or YYYY-MM-DD (parse_business_date accepts it)
  std::uint64_t line = 0;               // 1-based line the row starts on (the header is line 1)
};

// Why a file was refused, precisely enough to find the byte: the first problem in file order.
struct bank_file_error {
  std::uint64_t line = 0;   // 1-based
  std::size_t column = 0;   // 1-based field position; 0 when the problem is the line itself
  std::string column_name;  // the mapping's name at that position; empty when column is 0 or
                            // past the mapping's last column
  std::string message;      // e.g. "amount \"12x\" is not an integer"
  friend bool operator==(const bank_file_error&, const bank_file_error&) = default;
};

// "line 7, column 4 (amount): amount \"12x\" is not an integer"; "line 9: blank line".
std::string to_string(const bank_file_error& e);

// A channel's column mapping (config channel.settlement_columns), checked once. Immutable.
class bank_file_mapping {
 public:
  // Errors (one message each, naming the column): an unknown column name, a column mapped twice,
  // a required column missing, more than limits::settlement_column_count_max columns.
  static result<bank_file_mapping, std::string> make(std::span<const std::string> columns);

  // The columns in file order, and their names as the header must spell them ("-": any text).
  std::span<const bank_column> columns() const noexcept { return columns_; }
  std::span<const std::string> names() const noexcept { return names_; }
  std::size_t size() const noexcept { return columns_.size(); }

 private:
  bank_file_mapping() = default;

  std::vector<bank_column> columns_;
  std::vector<std::string> names_;
};

// Called for each data row in file order; returning false stops the read (without an error).
using bank_record_handler = std::function<bool(const bank_record&)>;

// Streams `in` in chunks of `chunk_size` bytes (clamped to 1..limits::bank_file_chunk_size; only
// tests pass anything but the default), holding at most one chunk plus one line whatever the file
// size. Checks the header row (mapped columns must carry exactly their names, "-" columns any
// text), parses each data row per RFC 4180 (quoted fields, doubled quotes, line breaks inside
// quotes, \n or \r\n line ends), checks that every line is valid UTF-8 and every mapped field is
// valid, and calls `on_record` for each row in order.
// Returns the first error and stops there; nullopt when the whole file was read cleanly or
// `on_record` returned false. Errors: an empty file (no header), a byte order mark, a wrong
// header, a line longer than limits::bank_file_line_size_max bytes (not read further), invalid
// UTF-8, a quote inside an unquoted field or text after a closing one, a carriage return without
// a line feed, a blank line, a row whose field count is not the mapping's, an invalid field, a
// quoted field still open at the end of the file, a last line without a line end (truncated), and
// a stream that fails to read. Never throws on the input (unless the caller enabled exceptions on
// `in`), never asserts on it.
std::optional<bank_file_error> read_bank_file(
    std::istream& in, const bank_file_mapping& mapping, const bank_record_handler& on_record,
    std::size_t chunk_size = limits::bank_file_chunk_size);

// The same for a file already in memory (tests, the fuzz target): `data` is copied through the
// same bounded buffer in chunks, so the results are those of the stream reader.
std::optional<bank_file_error> read_bank_file(
    std::string_view data, const bank_file_mapping& mapping, const bank_record_handler& on_record,
    std::size_t chunk_size = limits::bank_file_chunk_size);

}  // namespace sy::clearing
