// libFuzzer target: any bytes through the bank settlement file reader (clearing/bank_file.h)
// under three mappings. It must never crash or read outside the input; every record it hands out
// must keep the field rules the header promises; errors must name a real line and column; and
// the outcome must not depend on the chunk size the file is read in.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/bank_file.h"
#include "clearing/business_date.h"
#include "config/config.h"
#include "protocol/currency.h"

namespace {

using namespace sy::clearing;

void check(bool condition) {
  if (!condition) std::abort();
}

bool alnum(std::string_view v) {
  for (const char c : v) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return false;
    }
  }
  return true;
}

bool digits(std::string_view v) {
  for (const char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void check_record(const bank_record& r) {
  check(!r.rrn.empty() && r.rrn.size() <= 12 && alnum(r.rrn));
  check(r.stan.empty() || (r.stan.size() == 6 && digits(r.stan)));
  check(r.event_type == "sale" || r.event_type == "capture" || r.event_type == "refund" ||
        r.event_type == "reversal");
  check(r.amount > -1'000'000'000'000'000'000 && r.amount < 1'000'000'000'000'000'000);
  check(sy::protocol::find_currency(r.currency).has_value());
  check(r.authorization_code.size() <= 6 && alnum(r.authorization_code));
  check(r.business_date.empty() || parse_business_date(r.business_date).has_value());
}

// What a read produced, with copies of the fields so two reads can be compared.
struct outcome {
  std::vector<std::string> rows;
  std::optional<bank_file_error> error;
  friend bool operator==(const outcome&, const outcome&) = default;
};

outcome read(std::string_view input, const bank_file_mapping& mapping, std::size_t chunk_size) {
  outcome o;
  std::uint64_t last_line = 1;
  o.error = read_bank_file(
      input, mapping,
      [&](const bank_record& r) {
        check_record(r);
        check(r.line > last_line);
        last_line = r.line;
        o.rows.push_back(std::string(r.rrn) + ',' + std::string(r.stan) + ',' +
                         std::string(r.event_type) + ',' + std::to_string(r.amount) + ',' +
                         std::string(r.currency) + ',' + std::string(r.authorization_code) + ',' +
                         std::string(r.business_date) + '@' + std::to_string(r.line));
        return true;
      },
      chunk_size);
  if (o.error) {
    const bank_file_error& e = *o.error;
    check(e.line >= 1 && e.line >= last_line && !e.message.empty());
    if (e.column == 0 || e.column > mapping.size()) {
      check(e.column_name.empty());
    } else {
      check(e.column_name == mapping.names()[e.column - 1]);
    }
    check(!to_string(e).empty());
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The default, one with skipped and reordered columns, and the required columns alone.
  static const std::vector<bank_file_mapping> mappings{
      *bank_file_mapping::make(sy::config::default_settlement_columns()),
      *bank_file_mapping::make(
          std::vector<std::string>{"-", "amount", "rrn", "-", "currency", "event_type"}),
      *bank_file_mapping::make(std::vector<std::string>{"rrn", "event_type", "amount", "currency"}),
  };
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const bank_file_mapping& m : mappings) {
    const outcome whole = read(input, m, sy::limits::bank_file_chunk_size);
    check(read(input, m, 13) == whole);  // carries rows over many chunk boundaries
  }
  return 0;
}
