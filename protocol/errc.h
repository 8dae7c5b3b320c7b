// Error codes of the protocol domain types (money, currencies, PANs), wired into
// boost::system::error_code so they travel in sy::result<T>.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::protocol {

enum class errc {
  amount_overflow = 1,  // a sum, difference or product left the int64 range
  currency_mismatch,    // arithmetic on amounts of two different currencies
  currency_unknown,     // not an active ISO 4217 code with a minor-unit exponent
  pan_not_digits,       // a PAN may hold ASCII digits only
  pan_too_short,        // fewer than limits::pan_digits_min digits
  pan_too_long,         // more than limits::pan_digits_max digits
  pan_luhn_failed,      // the check digit is wrong
};

const boost::system::error_category& protocol_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

}  // namespace sy::protocol

template <>
struct boost::system::is_error_code_enum<sy::protocol::errc> : std::true_type {};
