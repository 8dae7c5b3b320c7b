// Syntax checks and quoting for configuration values (see syntax.h).
#include "config/detail/syntax.h"

#include <algorithm>
#include <charconv>

#include "config/limits.h"
#include "config/redact.h"

namespace sy::config::detail {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}
bool is_alnum(char c) noexcept {
  return is_digit(c) || is_lower(c) || is_upper(c);
}

// Port 1..65535 from decimal text.
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept {
  if (text.empty() || text.size() > 5 || !is_digits(text)) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_ipv6_literal(std::string_view text) noexcept {
  // 45: the longest textual IPv6 address (INET6_ADDRSTRLEN without its NUL).
  return !text.empty() && text.size() <= 45 && std::all_of(text.begin(), text.end(), [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  }) && text.find(':') != std::string_view::npos;
}

}  // namespace

std::string quote(std::string_view value) {
  // Mask before cutting: a card number straddling the cut would otherwise be too short a run
  // of digits to be recognised, and would be shown in part.
  std::string masked = mask_digit_runs(value);
  const bool cut = masked.size() > limits::config_quoted_value_size_max;
  if (cut) masked.resize(limits::config_quoted_value_size_max);
  std::string out = "\"";
  for (const char c : masked) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += cut ? "...\"" : "\"";
  return out;
}

std::string key_segment(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '-';
  });
  return bare && key.size() <= limits::config_quoted_value_size_max ? mask_digit_runs(key)
                                                                    : quote(key);
}

bool is_id(std::string_view text) noexcept {
  return !text.empty() && text.size() <= limits::config_id_size_max &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

std::optional<std::string> sha256_fingerprint(std::string_view text) {
  constexpr std::size_t digits = 64;
  const bool paired = text.size() == digits + digits / 2 - 1;
  if (!paired && text.size() != digits) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (paired && i % 3 == 2) {
      if (c != ':') return std::nullopt;
      continue;
    }
    if (c >= '0' && c <= '9') {
      out += c;
    } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
      out += static_cast<char>(c & ~0x20);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool is_digits(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

bool is_printable(std::string_view text) noexcept {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool is_currency_code(std::string_view text) noexcept {
  return text.size() == 3 && std::all_of(text.begin(), text.end(), is_upper);
}

bool is_brand_word(std::string_view text) noexcept {
  return !text.empty() && text.size() <= limits::card_brand_size_max &&
         std::all_of(text.begin(), text.end(), is_lower);
}

bool is_env_name(std::string_view text) noexcept {
  return !text.empty() && text.size() <= limits::env_name_size_max && !is_digit(text[0]) &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_time_zone_name(std::string_view text) noexcept {
  if (text.empty() || text.size() > limits::time_zone_name_size_max || text.front() == '/' ||
      text.back() == '/')
    return false;
  if (text.find("..") != std::string_view::npos || text.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return is_alnum(c) || c == '_' || c == '-' || c == '+' || c == '/';
  });
}

bool is_host(std::string_view text) noexcept {
  if (text.empty() || text.size() > limits::config_host_size_max) return false;
  if (is_ipv6_literal(text)) return true;
  if (text.front() == '.' || text.back() == '.' || text.front() == '-') return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '.'; });
}

std::optional<time_of_day> parse_time_of_day(std::string_view text) noexcept {
  if (text.size() != 5 || text[2] != ':' || !is_digits(text.substr(0, 2)) ||
      !is_digits(text.substr(3, 2))) {
    return std::nullopt;
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 23 || minute > 59) return std::nullopt;
  return time_of_day{static_cast<std::uint8_t>(hour), static_cast<std::uint8_t>(minute)};
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const auto port = parse_port(text.substr(colon + 1));
  if (!port) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6_literal(host)) return std::nullopt;
  } else if (host.find(':') != std::string_view::npos || !is_host(host)) {
    return std::nullopt;  // a bare IPv6 literal is ambiguous: it must be bracketed
  }
  return endpoint{std::string(host), *port};
}

std::optional<bin_range> parse_bin_range(std::string_view text) {
  const auto dash = text.find('-');
  const std::string_view low = text.substr(0, dash);
  const std::string_view high = dash == std::string_view::npos ? low : text.substr(dash + 1);
  if (!is_digits(low) || !is_digits(high) || low.size() != high.size() ||
      low.size() > limits::route_bin_digits_max || low > high) {
    return std::nullopt;
  }
  return bin_range{std::string(low), std::string(high)};
}

bool is_base_url(std::string_view text) noexcept {
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return false;
  }
  if (text.size() > limits::config_url_size_max) return false;
  if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return false;
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return false;
  if (authority.front() == '[' || authority.find(':') != std::string_view::npos) {
    return parse_endpoint(authority).has_value();
  }
  return is_host(authority);
}

}  // namespace sy::config::detail
