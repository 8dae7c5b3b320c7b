// The result type every fallible Switchyard function returns: a value or an error, never an
// exception on the data plane (see DESIGN.md, "Errors: three kinds").
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace sy {

using error_code = boost::system::error_code;

// `result<T>` carries an error_code; codecs whose errors need more context (field, offset)
// use `result<T, their_error>`.
template <class T, class E = error_code>
using result = boost::system::result<T, E>;

}  // namespace sy
