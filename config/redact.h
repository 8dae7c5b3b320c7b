// Keeping card numbers out of text built from outside input: the one rule every module applies
// to a value it echoes in an error, a diagnostic or a log line.
#pragma once

#include <string>
#include <string_view>

namespace sy {

// Every run of limits::pan_digits_min or more digits (a possible card number) becomes its first
// 6 digits, '*'s, and its last 4, as a masked PAN is shown; everything else is kept.
std::string mask_digit_runs(std::string_view text);

// Appends `text` to a JSON log line inside a string value: quotes, backslashes and control
// characters become '_', so no error message can break the line (logs are read by people and
// grep, not decoded back).
void append_log_text(std::string& line, std::string_view text);

}  // namespace sy
