// Reads banks' settlement files: an RFC 4180 row scanner over one bounded buffer that carries a
// partial row over to the next chunk, then the checks of each mapped column. Every error names
// the line and column it was found in.
#include "clearing/bank_file.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <istream>
#include <memory>
#include <utility>

#include "clearing/business_date.h"
#include "config/assert.h"
#include "protocol/currency.h"

namespace sy::clearing {
namespace {

constexpr std::array<std::string_view, 8> column_names{
    "-", "rrn", "stan", "event_type", "amount", "currency", "authorization_code", "business_date"};
constexpr std::array required_columns{bank_column::rrn, bank_column::event_type,
                                      bank_column::amount, bank_column::currency};

// A row may run to its line end: the longest content plus "\r\n". The scanner never looks past
// this many bytes of a row, which bounds the buffer and the work per row.
constexpr std::size_t row_window_size = limits::bank_file_line_size_max + 2;

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool all_digits(std::string_view v) noexcept {
  return std::all_of(v.begin(), v.end(), is_digit);
}
bool all_alnum(std::string_view v) noexcept {
  return std::all_of(v.begin(), v.end(), is_alnum);
}

// Bytes that end an unquoted field or are not allowed in one.
constexpr std::array<bool, 256> special_bytes = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>(',')] = true;
  t[static_cast<unsigned char>('\n')] = true;
  t[static_cast<unsigned char>('\r')] = true;
  t[static_cast<unsigned char>('"')] = true;
  return t;
}();

// UTF-8 as RFC 3629 defines it (Unicode table 3-7): no overlong forms, no surrogates, nothing
// above U+10FFFF, no sequence cut short.
bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p != end) {
    const unsigned lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    std::size_t continuation = 0;
    unsigned low = 0x80;  // the range of the first continuation byte
    unsigned high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;   // overlong below U+10000
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;  // a continuation byte, C0, C1, F5..FF
    }
    if (static_cast<std::size_t>(end - p) <= continuation) return false;
    if (p[1] < low || p[1] > high) return false;
    for (std::size_t i = 2; i <= continuation; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += continuation + 1;
  }
  return true;
}

// A field for a message: in double quotes, at most limits::bank_file_quoted_value_size_max bytes
// (never cutting a UTF-8 sequence), with quotes, backslashes and control bytes escaped so that a
// log line stays one line.
std::string quote(std::string_view value) {
  std::size_t size = std::min(value.size(), limits::bank_file_quoted_value_size_max);
  if (size < value.size()) {
    while (size > 0 && (static_cast<unsigned char>(value[size]) & 0xC0) == 0x80) --size;
  }
  std::string out = "\"";
  for (const char c : value.substr(0, size)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  if (size < value.size()) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

std::string count_of(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

bool is_event_type(std::string_view v) noexcept {
  return v == "sale" || v == "capture" || v == "refund" || v == "reversal";
}

// An optional '-' and 1 to bank_file_amount_digits_max digits, so the value always fits.
bool parse_amount(std::string_view v, std::int64_t& amount) noexcept {
  const bool negative = !v.empty() && v.front() == '-';
  if (negative) v.remove_prefix(1);
  if (v.empty() || v.size() > limits::bank_file_amount_digits_max) return false;
  std::int64_t value = 0;
  for (const char c : v) {
    if (!is_digit(c)) return false;
    value = value * 10 + (c - '0');
  }
  amount = negative ? -value : value;
  return true;
}

// Checks one mapped field and stores it in the record; false when it is not valid (describe
// says why). The fast path of every row: no allocation.
bool assign(bank_column column, std::string_view v, bank_record& r) noexcept {
  switch (column) {
    case bank_column::skip:
      return true;
    case bank_column::rrn:
      r.rrn = v;
      return !v.empty() && v.size() <= limits::bank_file_rrn_size_max && all_alnum(v);
    case bank_column::stan:
      r.stan = v;
      return v.empty() || (v.size() == limits::bank_file_stan_digits && all_digits(v));
    case bank_column::event_type:
      r.event_type = v;
      return is_event_type(v);
    case bank_column::amount:
      return parse_amount(v, r.amount);
    case bank_column::currency:
      r.currency = v;
      return protocol::find_currency(v).has_value();
    case bank_column::authorization_code:
      r.authorization_code = v;
      return v.size() <= limits::bank_file_authorization_code_size_max && all_alnum(v);
    case bank_column::business_date:
      r.business_date = v;
      return v.empty() || parse_business_date(v).has_value();
  }
  return false;
}

// Why `assign` refused `v`.
std::string describe(bank_column column, std::string_view v) {
  const std::string name(to_string(column));
  if (v.empty()) return name + " is empty";
  const std::string quoted = name + " " + quote(v);
  switch (column) {
    case bank_column::rrn:
      return quoted + " is not 1 to " + std::to_string(limits::bank_file_rrn_size_max) +
             " letters or digits";
    case bank_column::stan:
      return quoted + " is not " + std::to_string(limits::bank_file_stan_digits) + " digits";
    case bank_column::event_type:
      return quoted + " is not sale, capture, refund or reversal";
    case bank_column::amount: {
      const std::string_view digits = v.front() == '-' ? v.substr(1) : v;
      if (!digits.empty() && all_digits(digits)) {
        return quoted + " has more than " + std::to_string(limits::bank_file_amount_digits_max) +
               " digits";
      }
      return quoted + " is not an integer";
    }
    case bank_column::currency:
      return quoted + " is not an ISO 4217 alphabetic currency code";
    case bank_column::authorization_code:
      return quoted + " is not 1 to " +
             std::to_string(limits::bank_file_authorization_code_size_max) + " letters or digits";
    case bank_column::business_date:
      return quoted + " is not a date as YYYY-MM-DD";
    case bank_column::skip:
      break;
  }
  return quoted + " is not valid";
}

// Where the bytes come from.
class byte_source {
 public:
  virtual ~byte_source() = default;
  // Up to `size` bytes into `out`, fewer only at the end; false when reading failed.
  virtual bool read(char* out, std::size_t size, std::size_t& got) = 0;
};

class stream_source final : public byte_source {
 public:
  explicit stream_source(std::istream& in) noexcept : in_(in) {}

  bool read(char* out, std::size_t size, std::size_t& got) override {
    in_.read(out, static_cast<std::streamsize>(size));
    got = static_cast<std::size_t>(in_.gcount());
    // A short read is the end only when the stream says so; otherwise it failed (an unopened
    // file, a read error).
    return !in_.bad() && (got == size || in_.eof());
  }

 private:
  std::istream& in_;
};

class view_source final : public byte_source {
 public:
  explicit view_source(std::string_view data) noexcept : rest_(data) {}

  bool read(char* out, std::size_t size, std::size_t& got) override {
    got = std::min(size, rest_.size());
    if (got != 0) std::memcpy(out, rest_.data(), got);
    rest_.remove_prefix(got);
    return true;
  }

 private:
  std::string_view rest_;
};

// One field of the row being scanned: its content (inside the quotes for a quoted field) in the
// buffer, and the line it starts on.
struct field {
  char* data = nullptr;
  std::size_t size = 0;
  std::uint64_t line = 0;
  bool quoted = false;
  bool escaped = false;  // holds doubled quotes, not yet undone
};

class reader {
 public:
  reader(byte_source& source, const bank_file_mapping& mapping, std::size_t chunk_size)
      : source_(source),
        mapping_(mapping),
        chunk_size_(std::clamp<std::size_t>(chunk_size, 1, limits::bank_file_chunk_size)),
        capacity_(row_window_size + chunk_size_),
        buffer_(std::make_unique_for_overwrite<char[]>(capacity_)) {}

  std::optional<bank_file_error> run(const bank_record_handler& on_record);

 private:
  enum class scan : std::uint8_t { row, need_more, end, failed };

  bool refill();
  bool check_byte_order_mark();
  scan scan_row();
  scan ran_out(bool cut, bool in_quote, std::uint64_t field_line, std::size_t column,
               std::uint64_t line);
  scan fail(std::uint64_t line, std::size_t column, std::string message);
  bool check_header();
  bool check_row(bank_record& record);
  std::string_view value_of(field& f) noexcept;

  byte_source& source_;
  const bank_file_mapping& mapping_;
  const std::size_t chunk_size_;
  const std::size_t capacity_;  // a chunk behind a partial row, which is shorter than a window
  const std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;  // the next row's first byte
  std::size_t end_ = 0;    // one past the last byte read
  bool eof_ = false;
  std::uint64_t line_ = 1;  // the line the next row starts on
  // What scan_row found: the row's first mapping_.size() fields, how many it has, where it ends.
  std::array<field, limits::settlement_column_count_max> fields_{};
  std::size_t field_count_ = 0;
  std::size_t row_end_ = 0;
  std::uint64_t next_line_ = 0;
  bank_file_error error_;
};

std::optional<bank_file_error> reader::run(const bank_record_handler& on_record) {
  if (!check_byte_order_mark()) return std::move(error_);
  bool header = true;
  for (;;) {
    switch (scan_row()) {
      case scan::need_more:
        if (!refill()) return std::move(error_);
        continue;
      case scan::failed:
        return std::move(error_);
      case scan::end:
        if (header) return bank_file_error{1, 0, {}, "empty file (no header row)"};
        return std::nullopt;
      case scan::row:
        break;
    }
    if (header) {
      if (!check_header()) return std::move(error_);
      header = false;
    } else {
      bank_record record;
      if (!check_row(record)) return std::move(error_);
      if (!on_record(record)) return std::nullopt;
    }
    begin_ = row_end_;
    line_ = next_line_;
  }
}

// Moves the partial row to the front and appends up to a chunk; false (error_ set) when the
// source failed.
bool reader::refill() {
  const std::size_t kept = end_ - begin_;
  if (begin_ != 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, kept);
    begin_ = 0;
    end_ = kept;
  }
  const std::size_t want = std::min(chunk_size_, capacity_ - end_);
  SY_ASSERT(want > 0);  // scan_row asks for more only while a row is shorter than a window
  std::size_t got = 0;
  const bool ok = source_.read(buffer_.get() + end_, want, got);
  end_ += got;
  if (!ok) {
    error_ = {line_, 0, {}, "the file could not be read"};
    return false;
  }
  if (got < want) eof_ = true;
  return true;
}

// Reads the file's first bytes; false (error_ set) when they are a byte order mark, which the
// header would otherwise show only as an invisible mismatch, or when reading failed.
bool reader::check_byte_order_mark() {
  constexpr std::string_view mark = "\xEF\xBB\xBF";
  while (end_ < mark.size() && !eof_) {
    if (!refill()) return false;
  }
  if (std::string_view(buffer_.get(), end_).starts_with(mark)) {
    error_ = {1, 0, {}, "the file starts with a UTF-8 byte order mark"};
    return false;
  }
  return true;
}

reader::scan reader::fail(std::uint64_t line, std::size_t column, std::string message) {
  std::string name;
  if (column != 0 && column <= mapping_.size()) name = mapping_.names()[column - 1];
  error_ = {line, column, std::move(name), std::move(message)};
  return scan::failed;
}

// The scan reached the end of the bytes it may look at in the middle of a row: the row is too
// long (`cut`: the window ended before the data), more must be read, or the file ends there.
reader::scan reader::ran_out(bool cut, bool in_quote, std::uint64_t field_line, std::size_t column,
                             std::uint64_t line) {
  if (cut) {
    return fail(line_, 0,
                "line longer than " + std::to_string(limits::bank_file_line_size_max) + " bytes");
  }
  if (!eof_) return scan::need_more;
  if (in_quote) return fail(field_line, column, "unterminated quoted field at end of file");
  return fail(line, 0, "no line end after the last line (truncated?)");
}

// Splits the row at begin_ into fields per RFC 4180, checking its syntax, length and UTF-8 on the
// way. Looks at no more than a window of bytes, and leaves the buffer as it is unless it returns
// `row`, so a row cut by the end of the buffer is simply scanned again after a refill.
reader::scan reader::scan_row() {
  char* const row = buffer_.get() + begin_;
  const std::size_t available = end_ - begin_;
  const bool cut = available > row_window_size;
  char* const end = row + (cut ? row_window_size : available);
  const std::size_t kept_count = mapping_.size();
  std::uint64_t line = line_;
  char* p = row;
  if (p == end) return eof_ ? scan::end : scan::need_more;
  field_count_ = 0;
  for (;;) {
    const std::size_t column = field_count_ + 1;
    field f;
    f.line = line;
    bool ascii = true;
    if (*p == '"') {
      f.quoted = true;
      f.data = p + 1;
      char* q = f.data;
      for (;;) {
        auto* close = static_cast<char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
        if (close == nullptr) {
          return ran_out(cut, true, f.line, column,
                         line + static_cast<std::uint64_t>(std::count(q, end, '\n')));
        }
        line += static_cast<std::uint64_t>(std::count(q, close, '\n'));
        if (close + 1 == end) return ran_out(cut, false, f.line, column, line);  // or `""`
        if (close[1] != '"') {
          f.size = static_cast<std::size_t>(close - f.data);
          p = close + 1;
          break;
        }
        f.escaped = true;
        q = close + 2;
      }
      if (*p != ',' && *p != '\n' && *p != '\r') {
        return fail(line, column, "text after the closing quote of a quoted field");
      }
      ascii = false;  // checked below: quoted fields are rare
    } else {
      f.data = p;
      unsigned char high = 0;
      while (p != end && !special_bytes[static_cast<unsigned char>(*p)]) {
        high |= static_cast<unsigned char>(*p);
        ++p;
      }
      if (p == end) return ran_out(cut, false, f.line, column, line);
      if (*p == '"') return fail(line, column, "quote inside an unquoted field");
      f.size = static_cast<std::size_t>(p - f.data);
      ascii = (high & 0x80) == 0;
    }
    if (!ascii && !valid_utf8({f.data, f.size})) return fail(f.line, column, "invalid UTF-8");
    if (field_count_ < kept_count) fields_[field_count_] = f;
    ++field_count_;
    if (*p == ',') {
      if (++p == end) return ran_out(cut, false, line, column + 1, line);
      continue;
    }
    char* const content_end = p;
    if (*p == '\r') {
      if (p + 1 == end) return ran_out(cut, false, line, column, line);
      if (p[1] != '\n') return fail(line, column, "carriage return not followed by a line feed");
      ++p;
    }
    ++p;  // the '\n'
    if (static_cast<std::size_t>(content_end - row) > limits::bank_file_line_size_max) {
      return ran_out(true, false, line, column, line);
    }
    break;
  }
  if (field_count_ == 1 && !fields_[0].quoted && fields_[0].size == 0) {
    return fail(line_, 0, "blank line");
  }
  row_end_ = static_cast<std::size_t>(p - buffer_.get());
  next_line_ = line + 1;
  return scan::row;
}

// The field's value; undoes doubled quotes in place the first time.
std::string_view reader::value_of(field& f) noexcept {
  if (f.escaped) {
    char* out = f.data;
    for (const char* in = f.data; in != f.data + f.size; ++in) {
      *out++ = *in;
      if (*in == '"') ++in;  // inside quotes a quote only appears doubled
    }
    f.size = static_cast<std::size_t>(out - f.data);
    f.escaped = false;
  }
  return {f.data, f.size};
}

bool reader::check_header() {
  if (field_count_ != mapping_.size()) {
    fail(line_, 0,
         "header has " + count_of(field_count_, "field") + ", the mapping has " +
             std::to_string(mapping_.size()));
    return false;
  }
  const auto names = mapping_.names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (mapping_.columns()[i] == bank_column::skip) continue;
    const std::string_view value = value_of(fields_[i]);
    if (value != names[i]) {
      fail(fields_[i].line, i + 1, "header " + quote(value) + ", expected " + quote(names[i]));
      return false;
    }
  }
  return true;
}

bool reader::check_row(bank_record& record) {
  if (field_count_ != mapping_.size()) {
    fail(line_, 0,
         count_of(field_count_, "field") + ", the mapping has " + std::to_string(mapping_.size()));
    return false;
  }
  record.line = line_;
  const auto columns = mapping_.columns();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == bank_column::skip) continue;
    const std::string_view value = value_of(fields_[i]);
    if (!assign(columns[i], value, record)) {
      fail(fields_[i].line, i + 1, describe(columns[i], value));
      return false;
    }
  }
  return true;
}

std::optional<bank_column> column_of(std::string_view name) noexcept {
  for (std::size_t i = 0; i < column_names.size(); ++i) {
    if (column_names[i] == name) return static_cast<bank_column>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(bank_column c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < column_names.size() ? column_names[i] : std::string_view{};
}

std::string to_string(const bank_file_error& e) {
  std::string out = "line " + std::to_string(e.line);
  if (e.column != 0) {
    out += ", column " + std::to_string(e.column);
    if (!e.column_name.empty()) out += " (" + e.column_name + ")";
  }
  return out + ": " + e.message;
}

result<bank_file_mapping, std::string> bank_file_mapping::make(
    std::span<const std::string> columns) {
  if (columns.size() > limits::settlement_column_count_max) {
    return "has " + std::to_string(columns.size()) + " columns, more than the " +
           std::to_string(limits::settlement_column_count_max) + " a mapping may have";
  }
  bank_file_mapping m;
  std::array<bool, column_names.size()> seen{};
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string where = "column " + std::to_string(i + 1) + ": ";
    const auto column = column_of(columns[i]);
    if (!column) {
      return where + quote(columns[i]) +
             " is not a settlement column (rrn, stan, event_type, amount, currency, "
             "authorization_code, business_date, or \"-\" to skip a column)";
    }
    auto& once = seen[static_cast<std::size_t>(*column)];
    if (*column != bank_column::skip && once) return where + quote(columns[i]) + " appears twice";
    once = true;
    m.columns_.push_back(*column);
    m.names_.push_back(columns[i]);
  }
  for (const auto required : required_columns) {
    if (!seen[static_cast<std::size_t>(required)]) {
      return "has no \"" + std::string(to_string(required)) +
             "\" column, which reconciliation needs";
    }
  }
  return m;
}

std::optional<bank_file_error> read_bank_file(std::istream& in, const bank_file_mapping& mapping,
                                              const bank_record_handler& on_record,
                                              std::size_t chunk_size) {
  stream_source source(in);
  return reader(source, mapping, chunk_size).run(on_record);
}

std::optional<bank_file_error> read_bank_file(std::string_view data,
                                              const bank_file_mapping& mapping,
                                              const bank_record_handler& on_record,
                                              std::size_t chunk_size) {
  view_source source(data);
  // A small file needs no more buffer than its own size.
  return reader(source, mapping, std::min(chunk_size, std::max<std::size_t>(data.size(), 1)))
      .run(on_record);
}

}  // namespace sy::clearing
