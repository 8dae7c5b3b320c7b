// The test-only ISO 8583:1987 decoder: the elements of specs/bank-link.md's table, nothing else.
#include "independent_iso87_decoder.h"

#include <cctype>

namespace sy::routing::test {
namespace {

enum class form { fixed, llvar };
enum class chars { n, an, ans, b };

struct element {
  int number;
  form length;
  chars kind;
  std::size_t size;  // fixed: the size; llvar: the maximum (b sizes in bytes)
};

// Copied by hand from specs/bank-link.md, "Message encoding".
constexpr element table[] = {
    {2, form::llvar, chars::n, 19},    {3, form::fixed, chars::n, 6},
    {4, form::fixed, chars::n, 12},    {7, form::fixed, chars::n, 10},
    {11, form::fixed, chars::n, 6},    {12, form::fixed, chars::n, 6},
    {13, form::fixed, chars::n, 4},    {14, form::fixed, chars::n, 4},
    {18, form::fixed, chars::n, 4},    {22, form::fixed, chars::n, 3},
    {25, form::fixed, chars::n, 2},    {32, form::llvar, chars::n, 11},
    {37, form::fixed, chars::an, 12},  {38, form::fixed, chars::an, 6},
    {39, form::fixed, chars::an, 2},   {41, form::fixed, chars::ans, 8},
    {42, form::fixed, chars::ans, 15}, {43, form::fixed, chars::ans, 40},
    {49, form::fixed, chars::n, 3},    {52, form::fixed, chars::b, 8},
    {64, form::fixed, chars::b, 8},    {70, form::fixed, chars::n, 3},
    {90, form::fixed, chars::n, 42},   {128, form::fixed, chars::b, 8},
};

const element* find(int number) {
  for (const auto& e : table) {
    if (e.number == number) return &e;
  }
  return nullptr;
}

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool allowed(chars kind, std::string_view value) {
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (kind) {
      case chars::n:
        if (!std::isdigit(u)) return false;
        break;
      case chars::an:
        if (!std::isalnum(u) && c != ' ') return false;
        break;
      case chars::ans:
        if (u < 0x20 || u > 0x7e) return false;
        break;
      case chars::b:
        break;
    }
  }
  return true;
}

// Reads one element at `at`; false with `error` set when it cannot.
bool read_element(const element& e, std::string_view bytes, std::size_t& at, std::string& value,
                  std::string& error) {
  std::size_t size = e.size;
  if (e.length == form::llvar) {
    if (bytes.size() - at < 2 || !all_digits(bytes.substr(at, 2))) {
      error = "DE " + std::to_string(e.number) + ": bad LL prefix";
      return false;
    }
    size = static_cast<std::size_t>((bytes[at] - '0') * 10 + (bytes[at + 1] - '0'));
    at += 2;
    if (size > e.size) {
      error = "DE " + std::to_string(e.number) + ": longer than its maximum";
      return false;
    }
  }
  if (bytes.size() - at < size) {
    error = "DE " + std::to_string(e.number) + ": truncated";
    return false;
  }
  value.assign(bytes.substr(at, size));
  at += size;
  if (!allowed(e.kind, value)) {
    error = "DE " + std::to_string(e.number) + ": character not allowed";
    return false;
  }
  return true;
}

}  // namespace

decoded_message decode_iso87(std::string_view bytes, std::string& error) {
  decoded_message out;
  error.clear();
  if (bytes.size() < 12 || !all_digits(bytes.substr(0, 4))) {
    error = "no MTI and primary bitmap";
    return out;
  }
  out.mti.assign(bytes.substr(0, 4));
  // Bit 1 of the primary bitmap (its top bit) announces the secondary one.
  const bool secondary = (static_cast<unsigned char>(bytes[4]) & 0x80) != 0;
  const std::size_t bitmap_size = secondary ? 16 : 8;
  if (bytes.size() < 4 + bitmap_size) {
    error = "truncated bitmap";
    return out;
  }
  std::size_t at = 4 + bitmap_size;
  for (int number = 2; number <= static_cast<int>(bitmap_size * 8); ++number) {
    const auto byte =
        static_cast<unsigned char>(bytes[4 + static_cast<std::size_t>(number - 1) / 8]);
    if ((byte & (0x80 >> ((number - 1) % 8))) == 0) continue;
    const element* e = find(number);
    if (e == nullptr) {
      error = "DE " + std::to_string(number) + " is not in the bank link's table";
      return out;
    }
    if (!read_element(*e, bytes, at, out.fields[number], error)) return out;
  }
  if (at != bytes.size()) error = "trailing bytes";
  return out;
}

}  // namespace sy::routing::test
