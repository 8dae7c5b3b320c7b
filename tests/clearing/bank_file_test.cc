#include "clearing/bank_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

#include "config/config.h"

namespace sy::clearing {
namespace {

const std::string header = "rrn,stan,event_type,amount,currency,authorization_code,business_date\n";

// A record with its own copies of the fields, to compare after the read.
struct row {
  std::string rrn;
  std::string stan;
  std::string event_type;
  std::int64_t amount = 0;
  std::string currency;
  std::string authorization_code;
  std::string business_date;
  std::uint64_t line = 0;
  friend bool operator==(const row&, const row&) = default;
};

std::ostream& operator<<(std::ostream& out, const row& r) {
  return out << "{" << r.rrn << "," << r.stan << "," << r.event_type << "," << r.amount << ","
             << r.currency << "," << r.authorization_code << "," << r.business_date << " @"
             << r.line << "}";
}

struct outcome {
  std::vector<row> rows;
  std::optional<bank_file_error> error;
  friend bool operator==(const outcome&, const outcome&) = default;
};

std::ostream& operator<<(std::ostream& out, const outcome& o) {
  out << o.rows.size() << " rows";
  if (o.error) out << ", " << to_string(*o.error);
  return out;
}

bank_file_mapping mapping_of(const std::vector<std::string>& columns) {
  auto made = bank_file_mapping::make(columns);
  EXPECT_TRUE(made.has_value()) << (made ? "" : made.error());
  return *made;
}

const bank_file_mapping& default_mapping() {
  static const bank_file_mapping mapping = mapping_of(config::default_settlement_columns());
  return mapping;
}

bank_record_handler collect(std::vector<row>& rows) {
  return [&rows](const bank_record& r) {
    rows.push_back({std::string(r.rrn), std::string(r.stan), std::string(r.event_type), r.amount,
                    std::string(r.currency), std::string(r.authorization_code),
                    std::string(r.business_date), r.line});
    return true;
  };
}

outcome read(std::string_view data, const bank_file_mapping& mapping = default_mapping(),
             std::size_t chunk_size = limits::bank_file_chunk_size) {
  outcome o;
  o.error = read_bank_file(data, mapping, collect(o.rows), chunk_size);
  return o;
}

outcome read_stream(std::istream& in, const bank_file_mapping& mapping = default_mapping(),
                    std::size_t chunk_size = limits::bank_file_chunk_size) {
  outcome o;
  o.error = read_bank_file(in, mapping, collect(o.rows), chunk_size);
  return o;
}

// The error of reading `data` with the default mapping; fails the test when there is none.
bank_file_error error_of(std::string_view data,
                         const bank_file_mapping& mapping = default_mapping()) {
  const outcome o = read(data, mapping);
  EXPECT_TRUE(o.error.has_value()) << data;
  return o.error.value_or(bank_file_error{});
}

void expect_error(std::string_view data, std::uint64_t line, std::size_t column,
                  std::string_view column_name, std::string_view message) {
  const bank_file_error e = error_of(data);
  EXPECT_EQ(e.line, line) << data;
  EXPECT_EQ(e.column, column) << data;
  EXPECT_EQ(e.column_name, column_name) << data;
  EXPECT_EQ(e.message, message) << data;
}

// A data row with one field replaced; the others valid.
std::string row_with(std::size_t index, std::string_view value) {
  std::vector<std::string> fields{"000000000001", "000001", "sale",      "1000",
                                  "EUR",          "A1B2C3", "2026-11-21"};
  fields[index] = value;
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out + "\n";
}

// Hands out at most `step` bytes per underflow, as a pipe or a socket may.
class trickle_buffer : public std::streambuf {
 public:
  trickle_buffer(std::string data, std::size_t step) : data_(std::move(data)), step_(step) {}

 protected:
  int_type underflow() override {
    if (position_ >= data_.size()) return traits_type::eof();
    const std::size_t n = std::min(step_, data_.size() - position_);
    char* start = data_.data() + position_;
    setg(start, start, start + n);
    position_ += n;
    return traits_type::to_int_type(*start);
  }

 private:
  std::string data_;
  std::size_t step_;
  std::size_t position_ = 0;
};

// Gives `good` bytes, then fails as a disk read error would.
class failing_buffer : public std::streambuf {
 public:
  explicit failing_buffer(std::string good) : good_(std::move(good)) {}

 protected:
  int_type underflow() override {
    if (!served_) {
      served_ = true;
      setg(good_.data(), good_.data(), good_.data() + good_.size());
      return traits_type::to_int_type(good_[0]);
    }
    throw std::runtime_error("EIO");  // istream turns it into badbit
  }

 private:
  std::string good_;
  bool served_ = false;
};

const std::string varied_file =
    header +
    "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21\n"
    "000000000002,,refund,-500,EUR,,\n"
    "\"000000000003\",\"000003\",\"capture\",\"250\",\"JPY\",\"\",\"2026-11-21\"\r\n"
    "X12345678901,123456,reversal,0,USD,ZZ9,2026-11-20\r\n"
    "4,000004,sale,999999999999999999,EUR,1,2026-11-21\n"
    "5,000005,refund,-999999999999999999,CNY,123456,2026-11-21\n";

TEST(BankFile, ReadsTheDefaultMapping) {
  const outcome o = read(header +
                         "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21\n"
                         "000000000005,,refund,-500,EUR,,\n");
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0],
            (row{"000000000001", "000001", "sale", 1000, "EUR", "A1B2C3", "2026-11-21", 2}));
  EXPECT_EQ(o.rows[1], (row{"000000000005", "", "refund", -500, "EUR", "", "", 3}));
}

TEST(BankFile, ReadsAFileWithOnlyAHeaderAsNoRows) {
  const outcome o = read(header);
  EXPECT_FALSE(o.error) << o;
  EXPECT_TRUE(o.rows.empty());
}

TEST(BankFile, ReadsTheSimulatorsExample) {
  // docs/bank-link.md, "Its record and its settlement file".
  const outcome o = read(header +
                         "000000000001,000001,sale,1000,EUR,000001,2026-11-21\n"
                         "000000000005,000005,refund,-500,EUR,000003,2026-11-21\n");
  ASSERT_FALSE(o.error) << o;
  EXPECT_EQ(o.rows.size(), 2u);
}

TEST(BankFile, ReadsACustomMappingWithSkippedAndReorderedColumns) {
  const auto mapping = mapping_of({"-", "amount", "rrn", "-", "currency", "event_type"});
  const outcome o = read(
      "Record,amount,rrn,Merchant name,currency,event_type\n"
      "D,1500,ABC123,Café Zürich €,EUR,sale\n"
      "D,-20,ABC124,,USD,refund\n",
      mapping);
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0], (row{"ABC123", "", "sale", 1500, "EUR", "", "", 2}));
  EXPECT_EQ(o.rows[1], (row{"ABC124", "", "refund", -20, "USD", "", "", 3}));
}

TEST(BankFile, SkippedColumnsTakeAnyHeaderText) {
  const auto mapping = mapping_of({"rrn", "-", "event_type", "amount", "currency", "-"});
  const outcome o = read(
      "rrn,\"Notes, free text\",event_type,amount,currency,\n"
      "1,anything at all,sale,1,EUR,\n",
      mapping);
  ASSERT_FALSE(o.error) << o;
  EXPECT_EQ(o.rows.size(), 1u);
}

TEST(BankFile, ReadsQuotedFieldsWithCommasAndDoubledQuotes) {
  const auto mapping = mapping_of({"rrn", "-", "event_type", "amount", "currency"});
  const outcome o = read(
      "\"rrn\",note,\"event_type\",amount,currency\n"
      "\"RRN1\",\"a, \"\"quoted\"\" note,\",sale,\"-75\",\"EUR\"\n"
      "RRN2,\"\"\"\",capture,75,EUR\n"
      "RRN3,\"\",refund,-1,EUR\n",
      mapping);
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 3u);
  EXPECT_EQ(o.rows[0], (row{"RRN1", "", "sale", -75, "EUR", "", "", 2}));
  EXPECT_EQ(o.rows[1].rrn, "RRN2");
  EXPECT_EQ(o.rows[2].rrn, "RRN3");
}

TEST(BankFile, UndoesDoubledQuotesInAField) {
  // A doubled quote in a mapped field is undone before the check, so the message shows the value.
  const std::string data = header + row_with(2, "\"sa\"\"le\"");
  EXPECT_EQ(error_of(data).message,
            "event_type \"sa\\\"le\" is not sale, capture, refund or reversal");
}

TEST(BankFile, CountsLinesInsideQuotedFields) {
  const auto mapping = mapping_of({"rrn", "-", "event_type", "amount", "currency"});
  const outcome o = read(
      "rrn,note,event_type,amount,currency\n"
      "R1,\"two\nlines\",sale,1,EUR\n"
      "R2,\"three\r\n\nlines\",sale,2,EUR\n"
      "R3,,sale,x,EUR\n",
      mapping);
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0].line, 2u);
  EXPECT_EQ(o.rows[1].line, 4u);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->line, 7u);
}

TEST(BankFile, ReadsCrlfLineEnds) {
  const outcome o = read(
      "rrn,stan,event_type,amount,currency,authorization_code,business_date\r\n"
      "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21\r\n"
      "000000000002,000002,sale,2000,EUR,,\r\n");
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[1], (row{"000000000002", "000002", "sale", 2000, "EUR", "", "", 3}));
}

TEST(BankFile, ReadsEighteenDigitAmountsBothWays) {
  const outcome o = read(varied_file);
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 6u);
  EXPECT_EQ(o.rows[2], (row{"000000000003", "000003", "capture", 250, "JPY", "", "2026-11-21", 4}));
  EXPECT_EQ(o.rows[4].amount, 999'999'999'999'999'999);
  EXPECT_EQ(o.rows[5].amount, -999'999'999'999'999'999);
}

TEST(BankFile, RejectsAWrongHeaderName) {
  expect_error("rrn,stan,event_type,amt,currency,authorization_code,business_date\n", 1, 4,
               "amount", "header \"amt\", expected \"amount\"");
}

TEST(BankFile, RejectsAHeaderInAnotherOrder) {
  expect_error("stan,rrn,event_type,amount,currency,authorization_code,business_date\n", 1, 1,
               "rrn", "header \"stan\", expected \"rrn\"");
}

TEST(BankFile, RejectsAHeaderWithTheWrongFieldCount) {
  expect_error("rrn,stan,event_type,amount,currency\n", 1, 0, "",
               "header has 5 fields, the mapping has 7");
  expect_error("rrn,stan,event_type,amount,currency,authorization_code,business_date,extra\n", 1, 0,
               "", "header has 8 fields, the mapping has 7");
}

TEST(BankFile, RejectsARowWithTooFewFields) {
  expect_error(header + "000000000001,000001,sale\n", 2, 0, "", "3 fields, the mapping has 7");
}

TEST(BankFile, RejectsARowWithTooManyFields) {
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21,\n", 2, 0, "",
               "8 fields, the mapping has 7");
}

TEST(BankFile, ReportsTheFieldCountBeforeTheFieldsOfAShiftedRow) {
  expect_error(header + "000001,sale,1000,EUR,A1B2C3,2026-11-21\n", 2, 0, "",
               "6 fields, the mapping has 7");
}

TEST(BankFile, RejectsAmountWithLetters) {
  expect_error(header + row_with(3, "12x"), 2, 4, "amount", "amount \"12x\" is not an integer");
}

TEST(BankFile, RejectsAmountsThatAreNotPlainIntegers) {
  for (const char* bad : {"+5", "-", "1.00", " 1", "1 ", "1e3", "--1", "0x10", "1,000"}) {
    const std::string data = header + row_with(3, std::string("\"") + bad + "\"");
    const bank_file_error e = error_of(data);
    EXPECT_EQ(e.column, 4u) << bad;
    EXPECT_NE(e.message.find("is not an integer"), std::string::npos) << bad << ": " << e.message;
  }
}

TEST(BankFile, RejectsAnEmptyAmount) {
  expect_error(header + row_with(3, ""), 2, 4, "amount", "amount is empty");
}

TEST(BankFile, RejectsAmountsThatWouldOverflow) {
  expect_error(header + row_with(3, "1000000000000000000"), 2, 4, "amount",
               "amount \"1000000000000000000\" has more than 18 digits");
  expect_error(header + row_with(3, "-99999999999999999999999999"), 2, 4, "amount",
               "amount \"-99999999999999999999999999\" has more than 18 digits");
}

TEST(BankFile, RejectsAnUnknownCurrency) {
  expect_error(header + row_with(4, "XYZ"), 2, 5, "currency",
               "currency \"XYZ\" is not an ISO 4217 alphabetic currency code");
  EXPECT_EQ(error_of(header + row_with(4, "eur")).column, 5u);
  EXPECT_EQ(error_of(header + row_with(4, "978")).column, 5u);
  expect_error(header + row_with(4, ""), 2, 5, "currency", "currency is empty");
}

TEST(BankFile, RejectsAnUnknownEventType) {
  expect_error(header + row_with(2, "purchase"), 2, 3, "event_type",
               "event_type \"purchase\" is not sale, capture, refund or reversal");
  EXPECT_EQ(error_of(header + row_with(2, "SALE")).column, 3u);
}

TEST(BankFile, RejectsABadBusinessDate) {
  expect_error(header + row_with(6, "2026-02-30"), 2, 7, "business_date",
               "business_date \"2026-02-30\" is not a date as YYYY-MM-DD");
  for (const char* bad : {"20261121", "2026-11-1", "2026/11/21", "21-11-2026", "2026-13-01"}) {
    EXPECT_EQ(error_of(header + row_with(6, bad)).column, 7u) << bad;
  }
}

TEST(BankFile, RejectsABadRrn) {
  expect_error(header + row_with(0, "0000000000001"), 2, 1, "rrn",
               "rrn \"0000000000001\" is not 1 to 12 letters or digits");
  expect_error(header + row_with(0, "12-34"), 2, 1, "rrn",
               "rrn \"12-34\" is not 1 to 12 letters or digits");
  expect_error(header + row_with(0, ""), 2, 1, "rrn", "rrn is empty");
}

TEST(BankFile, RejectsABadStan) {
  expect_error(header + row_with(1, "12345"), 2, 2, "stan", "stan \"12345\" is not 6 digits");
  EXPECT_EQ(error_of(header + row_with(1, "12345a")).column, 2u);
}

TEST(BankFile, RejectsABadAuthorizationCode) {
  expect_error(header + row_with(5, "ABCDEFG"), 2, 6, "authorization_code",
               "authorization_code \"ABCDEFG\" is not 1 to 6 letters or digits");
  EXPECT_EQ(error_of(header + row_with(5, "AB CD")).column, 6u);
}

TEST(BankFile, RejectsInvalidUtf8NamingLineAndColumn) {
  expect_error(header + row_with(0, "1") + row_with(5, "A\xff"), 3, 6, "authorization_code",
               "invalid UTF-8");
}

TEST(BankFile, RejectsInvalidUtf8InASkippedColumn) {
  const auto mapping = mapping_of({"rrn", "-", "event_type", "amount", "currency"});
  for (const char* bad : {"\xc0\xaf",          // overlong '/'
                          "\xe0\x80\xaf",      // overlong, three bytes
                          "\xed\xa0\x80",      // a surrogate
                          "\xf4\x90\x80\x80",  // above U+10FFFF
                          "\xe2\x82",          // cut short before the comma
                          "\x80",              // a lone continuation byte
                          "\xf8\x88\x80\x80\x80"}) {
    const std::string data =
        "rrn,note,event_type,amount,currency\nR1," + std::string(bad) + ",sale,1,EUR\n";
    const auto e = error_of(data, mapping);
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 2u);
    EXPECT_EQ(e.column_name, "-");
    EXPECT_EQ(e.message, "invalid UTF-8");
  }
  // Valid text of every sequence length passes.
  const std::string good =
      "rrn,note,event_type,amount,currency\n"
      "R1,\"é € 𝄞 \xef\xbf\xbd\",sale,1,EUR\nR2,\xf4\x8f\xbf\xbf,sale,1,EUR\n";
  EXPECT_FALSE(read(good, mapping).error);
}

TEST(BankFile, RejectsInvalidUtf8InTheHeader) {
  expect_error("rrn,st\xe9n,event_type,amount,currency,authorization_code,business_date\n", 1, 2,
               "stan", "invalid UTF-8");
}

TEST(BankFile, AcceptsALineOfExactlyTheLimit) {
  const auto mapping = mapping_of({"rrn", "event_type", "amount", "currency", "-"});
  const std::string start = "R1,sale,1,EUR,";
  const std::string fill(limits::bank_file_line_size_max - start.size(), 'x');
  for (const char* end : {"\n", "\r\n"}) {
    const std::string data = "rrn,event_type,amount,currency,note\n" + start + fill + end;
    EXPECT_FALSE(read(data, mapping).error) << read(data, mapping);
    const std::string over = "rrn,event_type,amount,currency,note\n" + start + fill + "x" + end;
    const auto e = error_of(over, mapping);
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 0u);
    EXPECT_EQ(e.message, "line longer than 4096 bytes");
  }
}

TEST(BankFile, RejectsAHugeLineWithoutReadingTheRestOfIt) {
  std::istringstream in(header + std::string(std::size_t{8} << 20, '1') + "\n");
  const std::size_t chunk = 64 * 1024;
  const outcome o = read_stream(in, default_mapping(), chunk);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->line, 2u);
  EXPECT_EQ(o.error->message, "line longer than 4096 bytes");
  EXPECT_LE(static_cast<std::size_t>(in.tellg()), 2 * chunk);
}

TEST(BankFile, RejectsAHugeQuotedField) {
  const std::string data = header + "\"" + std::string(10'000, 'a') + "\",1,sale,1,EUR,,\n";
  expect_error(data, 2, 0, "", "line longer than 4096 bytes");
}

TEST(BankFile, RejectsATruncatedLastLine) {
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21", 2, 0, "",
               "no line end after the last line (truncated?)");
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,\"2026-11-21\"", 2, 0, "",
               "no line end after the last line (truncated?)");
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21\r", 2, 0, "",
               "no line end after the last line (truncated?)");
  expect_error(header + "000000000001,000001,sa", 2, 0, "",
               "no line end after the last line (truncated?)");
  expect_error("rrn,stan", 1, 0, "", "no line end after the last line (truncated?)");
}

TEST(BankFile, RejectsAnUnterminatedQuote) {
  expect_error(header + "000000000001,\"000001,sale,1000,EUR,A1B2C3,2026-11-21\n", 2, 2, "stan",
               "unterminated quoted field at end of file");
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,\"2026-11-21\"\"\n", 2, 7,
               "business_date", "unterminated quoted field at end of file");
}

TEST(BankFile, RejectsAnEmptyFile) {
  expect_error("", 1, 0, "", "empty file (no header row)");
}

TEST(BankFile, RejectsABlankLine) {
  expect_error(header + row_with(0, "1") + "\n" + row_with(0, "2"), 3, 0, "", "blank line");
  expect_error(header + "\r\n", 2, 0, "", "blank line");
  expect_error(header + row_with(0, "1") + "\n", 3, 0, "", "blank line");
  expect_error("\n" + header, 1, 0, "", "blank line");
}

TEST(BankFile, RejectsAByteOrderMark) {
  expect_error("\xef\xbb\xbf" + header, 1, 0, "", "the file starts with a UTF-8 byte order mark");
}

TEST(BankFile, RejectsAQuoteInsideAnUnquotedField) {
  expect_error(header + row_with(2, "sa\"le"), 2, 3, "event_type",
               "quote inside an unquoted field");
}

TEST(BankFile, RejectsTextAfterAClosingQuote) {
  expect_error(header + row_with(2, "\"sale\"x"), 2, 3, "event_type",
               "text after the closing quote of a quoted field");
  expect_error(header + row_with(2, "\"sale\" "), 2, 3, "event_type",
               "text after the closing quote of a quoted field");
}

TEST(BankFile, RejectsACarriageReturnWithoutALineFeed) {
  expect_error(header + row_with(2, "sa\rle"), 2, 3, "event_type",
               "carriage return not followed by a line feed");
}

TEST(BankFile, NamesNoColumnPastTheMapping) {
  expect_error(header + "000000000001,000001,sale,1000,EUR,A1B2C3,2026-11-21,x\"y\n", 2, 8, "",
               "quote inside an unquoted field");
}

TEST(BankFile, ReportsTheFirstErrorAndStops) {
  const outcome o = read(header + row_with(0, "1") + row_with(0, "2") + row_with(3, "x") +
                         row_with(2, "bad") + row_with(0, "5"));
  ASSERT_EQ(o.rows.size(), 2u);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->line, 4u);
  EXPECT_EQ(o.error->column, 4u);
}

TEST(BankFile, StopsEarlyWhenTheHandlerSaysSo) {
  std::vector<std::string> seen;
  const auto error = read_bank_file(
      header + row_with(0, "1") + row_with(0, "2") + row_with(0, "3") + row_with(3, "bad"),
      default_mapping(), [&seen](const bank_record& r) {
        seen.emplace_back(r.rrn);
        return seen.size() < 2;
      });
  EXPECT_FALSE(error);
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
}

TEST(BankFile, ReadsRowsSplitAcrossChunkBoundaries) {
  const auto mapping = mapping_of({"rrn", "-", "event_type", "amount", "currency", "stan"});
  const std::string data =
      "rrn,note,event_type,amount,currency,stan\n"
      "R1,\"a, \"\"b\"\"\",sale,1,EUR,000001\r\n"
      "\"R2\",\"multi\r\nline\",refund,-2,EUR,\n"
      "R3,Zürich 𝄞,capture,3,\"JPY\",\"000003\"\n"
      "R4,\"\"\"\",reversal,4,EUR,000004\r\n";
  const outcome whole = read(data, mapping);
  ASSERT_FALSE(whole.error) << whole;
  ASSERT_EQ(whole.rows.size(), 4u);
  EXPECT_EQ(whole.rows[3].line, 6u);
  for (std::size_t chunk = 1; chunk <= data.size() + 1; ++chunk) {
    EXPECT_EQ(read(data, mapping, chunk), whole) << "chunk " << chunk;
    std::istringstream in(data);
    EXPECT_EQ(read_stream(in, mapping, chunk), whole) << "stream chunk " << chunk;
  }
  for (std::size_t step = 1; step <= 7; ++step) {
    trickle_buffer buffer(data, step);
    std::istream in(&buffer);
    EXPECT_EQ(read_stream(in, mapping, 5), whole) << "step " << step;
  }
}

TEST(BankFile, ErrorsDoNotDependOnChunkSize) {
  const std::vector<std::string> files{
      "",
      "\xef\xbb\xbf" + header,
      header + row_with(0, "1") + row_with(3, "12x"),
      header + row_with(0, "1") + "\r\n",
      header + row_with(0, "\"1"),
      header + row_with(0, "1").substr(0, 20),
      header + row_with(5, "\xe2\x82\xac"),
      header + std::string(5000, 'a') + "\n",
      header + "\"" + std::string(4094, 'a') + "\"\r\n",
      varied_file,
  };
  for (const auto& data : files) {
    const outcome whole = read(data);
    for (std::size_t chunk : {1, 2, 3, 5, 16, 64, 4095, 4096, 4097}) {
      EXPECT_EQ(read(data, default_mapping(), chunk), whole) << "chunk " << chunk << ": " << data;
    }
  }
}

TEST(BankFile, ReportsAStreamThatFailsToRead) {
  failing_buffer buffer(header + row_with(0, "1") + "00000");
  std::istream in(&buffer);
  const outcome o = read_stream(in, default_mapping(), 16);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->message, "the file could not be read");
  EXPECT_EQ(o.error->line, 3u);
  EXPECT_EQ(o.rows.size(), 1u);
}

TEST(BankFile, ReportsAFileThatWasNeverOpened) {
  std::ifstream in("/nonexistent/bank.csv");
  const outcome o = read_stream(in);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->message, "the file could not be read");
}

TEST(BankFile, QuotesLongAndControlValuesSafely) {
  const std::string long_value = std::string(100, '9') + "x";
  const auto mapping = mapping_of({"rrn", "event_type", "amount", "currency", "-"});
  const std::string data =
      "rrn,event_type,amount,currency,note\nR1,sale," + long_value + ",EUR,\nR2,sale,1,EUR,\n";
  EXPECT_EQ(error_of(data, mapping).message,
            "amount \"" + std::string(64, '9') + "\"... (101 bytes) is not an integer");
  EXPECT_EQ(error_of(header + row_with(2, "\"sa\tle\\\"")).message,
            "event_type \"sa\\x09le\\\\\" is not sale, capture, refund or reversal");
}

TEST(BankFile, ToStringNamesLineColumnAndColumnName) {
  EXPECT_EQ(to_string(bank_file_error{7, 4, "amount", "amount \"12x\" is not an integer"}),
            "line 7, column 4 (amount): amount \"12x\" is not an integer");
  EXPECT_EQ(to_string(bank_file_error{9, 0, "", "blank line"}), "line 9: blank line");
  EXPECT_EQ(to_string(bank_file_error{2, 8, "", "quote inside an unquoted field"}),
            "line 2, column 8: quote inside an unquoted field");
}

TEST(BankFileMapping, AcceptsTheDefaultAndSeveralSkippedColumns) {
  EXPECT_EQ(default_mapping().size(), 7u);
  EXPECT_EQ(default_mapping().columns()[3], bank_column::amount);
  const auto m = mapping_of({"-", "currency", "-", "amount", "event_type", "-", "rrn"});
  EXPECT_EQ(m.size(), 7u);
  EXPECT_EQ(m.columns()[0], bank_column::skip);
  EXPECT_EQ(m.names()[6], "rrn");
}

TEST(BankFileMapping, RejectsAnUnknownColumn) {
  const std::vector<std::string> columns{"rrn", "amt", "event_type", "amount", "currency"};
  const auto m = bank_file_mapping::make(columns);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().substr(0, 35), "column 2: \"amt\" is not a settlement");
}

TEST(BankFileMapping, RejectsAColumnMappedTwice) {
  const std::vector<std::string> columns{"rrn", "rrn", "event_type", "amount", "currency"};
  const auto m = bank_file_mapping::make(columns);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), "column 2: \"rrn\" appears twice");
}

TEST(BankFileMapping, RejectsAMissingRequiredColumn) {
  const std::vector<std::string> columns{"rrn", "event_type", "amount", "stan"};
  const auto m = bank_file_mapping::make(columns);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), "has no \"currency\" column, which reconciliation needs");
  EXPECT_FALSE(bank_file_mapping::make(std::vector<std::string>{}));
}

TEST(BankFileMapping, RejectsTooManyColumns) {
  std::vector<std::string> columns{"rrn", "event_type", "amount", "currency"};
  columns.resize(limits::settlement_column_count_max, "-");
  EXPECT_TRUE(bank_file_mapping::make(columns));
  columns.push_back("-");
  const auto m = bank_file_mapping::make(columns);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), "has 65 columns, more than the 64 a mapping may have");
}

TEST(BankFileMapping, ReadsAFullWidthMapping) {
  std::vector<std::string> columns{"rrn", "event_type", "amount", "currency"};
  columns.resize(limits::settlement_column_count_max, "-");
  const auto m = mapping_of(columns);
  std::string head = "rrn,event_type,amount,currency";
  std::string line = "R1,sale,5,EUR";
  for (std::size_t i = 4; i < columns.size(); ++i) {
    head += ",h" + std::to_string(i);
    line += ",v";
  }
  const outcome o = read(head + "\n" + line + "\n", m);
  ASSERT_FALSE(o.error) << o;
  ASSERT_EQ(o.rows.size(), 1u);
  EXPECT_EQ(o.rows[0].amount, 5);
}

}  // namespace
}  // namespace sy::clearing
