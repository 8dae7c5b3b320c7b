// Formatting of configuration diagnostics, one line each.
#include "config/diagnostic.h"

#include <algorithm>

namespace sy::config {

std::string to_string(const diagnostic& d) {
  std::string out = d.file;
  if (d.line != 0) {
    out += ':' + std::to_string(d.line);
    if (d.column != 0) out += ':' + std::to_string(d.column);
  }
  out += ": ";
  if (d.level == severity::warning) out += "warning: ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  return out;
}

std::size_t error_count(const std::vector<diagnostic>& diagnostics) noexcept {
  return static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const diagnostic& d) { return d.level == severity::error; }));
}

}  // namespace sy::config
