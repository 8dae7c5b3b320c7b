// PAN validation, BIN and last-four extraction, and masking.
#include "protocol/pan.h"

#include "config/assert.h"
#include "config/limits.h"
#include "protocol/errc.h"

namespace sy::protocol {

bool luhn_valid(std::string_view digits) noexcept {
  if (digits.empty()) return false;
  unsigned sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    unsigned d = static_cast<unsigned>(*it - '0');
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

std::string mask_pan(std::string_view pan) {
  std::string masked(pan.size(), '*');
  constexpr std::size_t shown = limits::pan_bin_digits + limits::pan_last_digits;
  if (pan.size() <= shown) return masked;
  masked.replace(0, limits::pan_bin_digits, pan.substr(0, limits::pan_bin_digits));
  masked.replace(pan.size() - limits::pan_last_digits, limits::pan_last_digits,
                 pan.substr(pan.size() - limits::pan_last_digits));
  return masked;
}

result<void> validate_pan(std::string_view pan) noexcept {
  for (const char ch : pan) {
    if (ch < '0' || ch > '9') return make_error_code(errc::pan_not_digits);
  }
  if (pan.size() < limits::pan_digits_min) return make_error_code(errc::pan_too_short);
  if (pan.size() > limits::pan_digits_max) return make_error_code(errc::pan_too_long);
  if (!luhn_valid(pan)) return make_error_code(errc::pan_luhn_failed);
  return {};
}

std::string_view pan_bin(std::string_view pan) noexcept {
  SY_ASSERT(pan.size() >= limits::pan_digits_min);
  return pan.substr(0, limits::pan_bin_digits);
}

std::string_view pan_last4(std::string_view pan) noexcept {
  SY_ASSERT(pan.size() >= limits::pan_digits_min);
  return pan.substr(pan.size() - limits::pan_last_digits);
}

}  // namespace sy::protocol
