// The driver's HTTP/1.1 answer framing (response_parser.h).
#include "bench/load/response_parser.h"

#include <charconv>

namespace sy::load {
namespace {

bool iequals(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One header line into `out`; false when it makes the answer unreadable.
bool read_header(std::string_view line, response_head& out) noexcept {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trimmed(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    const auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), out.body_size);
    return ec == std::errc{} && end == value.data() + value.size();
  }
  if (iequals(name, "transfer-encoding")) return false;
  if (iequals(name, "connection") && iequals(value, "close")) out.close = true;
  return true;
}

}  // namespace

parse_result parse_response(std::string_view bytes, response_head& out) noexcept {
  const auto head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return bytes.size() > response_head_size_max ? parse_result::malformed
                                                 : parse_result::incomplete;
  }
  if (head_end > response_head_size_max) return parse_result::malformed;
  const std::string_view head = bytes.substr(0, head_end);
  // "HTTP/1.1 201 Created": the version, one space, three digits.
  if (head.size() < 12 || !head.starts_with("HTTP/1.") || head[8] != ' ') {
    return parse_result::malformed;
  }
  out = response_head{};
  const auto [end, ec] = std::from_chars(head.data() + 9, head.data() + 12, out.status);
  if (ec != std::errc{} || end != head.data() + 12 || out.status < 100 || out.status > 599) {
    return parse_result::malformed;
  }
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos) {
    line_start += 2;
    const auto line_end = head.find("\r\n", line_start);
    if (!read_header(head.substr(line_start, line_end - line_start), out)) {
      return parse_result::malformed;
    }
    line_start = line_end;
  }
  if (out.body_size > response_body_size_max) return parse_result::malformed;
  out.size = head_end + 4 + out.body_size;
  return out.size <= bytes.size() ? parse_result::complete : parse_result::incomplete;
}

}  // namespace sy::load
