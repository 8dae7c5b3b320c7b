// Syntax checks and quoting for configuration values, free of TOML: ids, HH:MM, host:port, BIN
// ranges, and the one way a value from the file is echoed back (quoted, truncated, PANs masked).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace sy::config::detail {

// `"value"` with control characters escaped, cut at limits::config_quoted_value_size_max and
// digit runs masked: the only form in which a string from the file reaches a diagnostic.
std::string quote(std::string_view value);

// A key as it appears in a key path: bare when it is a TOML bare key, else quoted.
std::string key_segment(std::string_view key);

bool is_id(std::string_view text) noexcept;             // [A-Za-z0-9_-], 1..config_id_size_max
bool is_digits(std::string_view text) noexcept;         // non-empty, ASCII digits only
bool is_printable(std::string_view text) noexcept;      // non-empty, ASCII 0x20..0x7e
bool is_currency_code(std::string_view text) noexcept;  // [A-Z]{3}
bool is_brand_word(std::string_view text) noexcept;     // lowercase letters, 1..card_brand_size_max
bool is_env_name(std::string_view text) noexcept;       // [A-Za-z_][A-Za-z0-9_]*
bool is_time_zone_name(std::string_view text) noexcept;  // `UTC`, `Asia/Shanghai`, no `..`
bool is_host(std::string_view text) noexcept;            // DNS name, IPv4 or IPv6 literal

std::optional<time_of_day> parse_time_of_day(std::string_view text) noexcept;  // `HH:MM`
// `host:port` or `[v6]:port`, port 1..65535.
std::optional<endpoint> parse_endpoint(std::string_view text);
// `4` or `510000-559999`: digit prefixes of equal length up to limits::route_bin_digits_max,
// low <= high.
std::optional<bin_range> parse_bin_range(std::string_view text);
// `http://` or `https://`, a host, optional port and path, no spaces.
bool is_base_url(std::string_view text) noexcept;
// A SHA-256 certificate fingerprint as tools print it: 64 hex digits, either case, optionally in
// pairs separated by ':' (`openssl x509 -fingerprint -sha256`); upper-case hex without colons.
std::optional<std::string> sha256_fingerprint(std::string_view text);

}  // namespace sy::config::detail
