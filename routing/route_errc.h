// Error codes of building a route table from a configuration snapshot, wired into
// boost::system::error_code so they travel in sy::result<T>.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::routing {

enum class route_errc {
  channel_unknown = 1,  // a route names a channel the configuration does not define
  channel_repeated,     // a route names one channel twice: failover to it again is no failover
  channel_count_over,   // more channels than a route plan can track (limits)
  route_count_over,     // more routes than the BIN index can number (limits)
  bin_range_invalid,    // a BIN range that is not digits of equal length, low <= high, <= 11
  currency_unknown,     // a route names a currency that is not active ISO 4217
  brand_unknown,        // a route names a brand the protocol module does not know
  bin_index_too_large,  // overlapping BIN ranges need more index entries than the limit allows
};

const boost::system::error_category& route_category() noexcept;

inline boost::system::error_code make_error_code(route_errc e) noexcept {
  return {static_cast<int>(e), route_category()};
}

}  // namespace sy::routing

template <>
struct boost::system::is_error_code_enum<sy::routing::route_errc> : std::true_type {};
