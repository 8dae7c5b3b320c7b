// Error codes of the bank link's I/O (routing/io): why a request was not sent, wired into
// boost::system::error_code. None of their messages ever carries request data.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::routing::io {

enum class errc {
  not_signed_on = 1,  // no connection of the channel is signed on: nothing was sent
  link_full,          // every signed-on connection has inflight_max outstanding (back-pressure)
  send_failed,        // the connection failed before a byte of the request was written
  stopped,            // the link is stopping or stopped
  injected_failure,   // the fault hook failed this send (tests)
};

const boost::system::error_category& io_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), io_category()};
}

}  // namespace sy::routing::io

template <>
struct boost::system::is_error_code_enum<sy::routing::io::errc> : std::true_type {};
