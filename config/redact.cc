// mask_digit_runs: card-number-length digit runs masked as a PAN is; append_log_text.
#include "config/redact.h"

#include <algorithm>

#include "config/limits.h"

namespace sy {

std::string mask_digit_runs(std::string_view text) {
  std::string out(text);
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  while (i < out.size()) {
    if (!is_digit(out[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < out.size() && is_digit(out[end])) ++end;
    if (end - i >= limits::pan_digits_min) {
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(i + limits::pan_bin_digits),
                out.begin() + static_cast<std::ptrdiff_t>(end - limits::pan_last_digits), '*');
    }
    i = end;
  }
  return out;
}

void append_log_text(std::string& line, std::string_view text) {
  for (const char c : text) line += (c == '"' || c == '\\' || c < 0x20) ? '_' : c;
}

}  // namespace sy
