// One problem found while loading a configuration: where (file, line, column, key path), what
// was found and what was expected. Errors fail a load; warnings do not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sy::config {

enum class severity : std::uint8_t { error, warning };

struct diagnostic {
  severity level = severity::error;
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
  std::string path;          // e.g. `channels[2].timeout_ms`; empty for syntax errors
  std::string message;       // e.g. `0 is below the minimum 1`
};

// `switchyard.toml:42:5: channels[2].timeout_ms: 0 is below the minimum 1`, with `warning: `
// before the key path of a warning. Never contains a secret or an unmasked card number.
std::string to_string(const diagnostic& d);

std::size_t error_count(const std::vector<diagnostic>& diagnostics) noexcept;

}  // namespace sy::config
