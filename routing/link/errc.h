// Error codes of the ISO 8583 bank link's plain logic (numbers, messages, matching), wired into
// boost::system::error_code. None of their messages ever carries element data (no PAN).
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::routing::link {

enum class errc {
  numbers_pending = 1,   // no STAN/RRN is reserved durably yet: commit the reservation, retry
  business_date_behind,  // a request dated before the allocator's business date
  stan_exhausted,        // every STAN of the business date (000001-999999) is used
  rrn_exhausted,         // every 12-digit RRN of the channel is used
  sequence_conflict,     // another allocator reserved the channel's numbers (two writers)
  bad_request_value,     // a value does not fit its element (amount, id, date, PAN format)
  spec_unsupported,      // the channel's message spec is not one the builders speak (iso87)
  malformed_message,     // a response that does not decode under the channel's spec
  unexpected_mti,        // a message that is not a response the switch expects
  missing_field,         // a response without an element it must carry (DE 11, DE 39)
  mac_missing,           // the channel has a MAC key and the response has no MAC
  mac_invalid,           // the response's MAC does not verify: treated as no response
  inflight_full,         // the connection has its maximum of requests outstanding
  inflight_duplicate,    // a request with the same STAN, terminal and RRN is outstanding
};

const boost::system::error_category& link_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), link_category()};
}

}  // namespace sy::routing::link

template <>
struct boost::system::is_error_code_enum<sy::routing::link::errc> : std::true_type {};
