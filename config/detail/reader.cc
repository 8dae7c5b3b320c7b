// The loader's diagnostic sink (see reader.h).
#include "config/detail/reader.h"

#include <algorithm>

namespace sy::config::detail {

void sink::add(severity level, std::uint32_t line, std::uint32_t column, std::string path,
               std::string message) {
  if (level == severity::error) ++errors_;
  diagnostics_.push_back({level, file_, line, column, std::move(path), std::move(message)});
}

std::vector<diagnostic> sink::take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const diagnostic& a, const diagnostic& b) {
                     return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                   });
  errors_ = 0;
  return std::move(diagnostics_);
}

}  // namespace sy::config::detail
