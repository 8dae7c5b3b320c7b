// Primary account numbers: validation (digits, length, Luhn), the BIN and last four digits, and
// the masked form, the only form of a PAN that may reach a log line, a dump or a response.
#pragma once

#include <string>
#include <string_view>

#include "config/result.h"

namespace sy::protocol {

// True when `digits` is all ASCII digits and its Luhn (mod 10) check digit is right.
bool luhn_valid(std::string_view digits) noexcept;

// `4111111111111111` -> `411111******1111`: first 6 and last 4 kept, every other character
// replaced by '*'. Input too short to keep 10 characters and hide one is masked entirely, so a
// malformed PAN never leaks either.
std::string mask_pan(std::string_view pan);

// Checks a card number, in this order, and says what is wrong with it (never echoing it).
// Errors: errc::pan_not_digits, errc::pan_too_short, errc::pan_too_long, errc::pan_luhn_failed.
result<void> validate_pan(std::string_view pan) noexcept;

// The first 6 digits (the BIN shown in responses). Precondition: validate_pan(pan) succeeded.
std::string_view pan_bin(std::string_view pan) noexcept;

// The last 4 digits. Precondition: validate_pan(pan) succeeded.
std::string_view pan_last4(std::string_view pan) noexcept;

}  // namespace sy::protocol
