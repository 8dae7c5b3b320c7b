// HTTP/1.1 answers read off a pipelined connection: where one ends, its status and whether the
// server closes after it. Only what the driver needs (Content-Length framing, no chunked bodies,
// which neither the switch nor nginx's `return 200` sends), so reading costs a scan of the head.
#pragma once

#include <cstddef>
#include <string_view>

namespace sy::load {

// A head longer than this is not an answer the driver's targets send.
inline constexpr std::size_t response_head_size_max = 16 * 1024;
// Payments and errors are a few hundred bytes; a Content-Length above this is a broken answer,
// refused before a buffer grows to wait for it.
inline constexpr std::size_t response_body_size_max = 1024 * 1024;

struct response_head {
  int status = 0;             // 100..599
  std::size_t size = 0;       // head and body: where the next answer starts
  std::size_t body_size = 0;  // Content-Length
  bool close = false;         // `Connection: close`: nothing more comes on this connection
};

enum class parse_result { complete, incomplete, malformed };

// Parses the answer at the start of `bytes` into `out`. incomplete: more bytes are needed;
// malformed: not an HTTP/1.x answer (status 100 to 599), a head over response_head_size_max, a
// chunked body, or a Content-Length that is not a number or is over response_body_size_max.
parse_result parse_response(std::string_view bytes, response_head& out) noexcept;

}  // namespace sy::load
