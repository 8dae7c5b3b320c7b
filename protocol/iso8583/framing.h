// ISO 8583 frames on a byte stream: the length prefix before each message (2-byte big-endian
// binary or 4 ASCII digits, specs/bank-link.md), decoded incrementally for a TCP read loop.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "config/limits.h"
#include "config/result.h"
#include "protocol/iso8583/error.h"

namespace sy::protocol::iso8583 {

enum class framing : std::uint8_t {
  none,     // no prefix: the whole input is one message (operator tools, tests)
  binary2,  // 2-byte big-endian length, the bank link's default
  ascii4,   // 4 ASCII decimal digits
};

// Bytes of the prefix: 0, 2 or 4.
std::size_t prefix_size(framing f) noexcept;

// The largest payload `f` can express, capped by `frame_size_max` (the channel's configured cap,
// itself at most limits::iso8583_frame_size_max).
std::size_t payload_size_max(framing f, std::size_t frame_size_max) noexcept;

// One step of decoding a stream: either more bytes are needed, or a whole frame is there.
struct frame_status {
  bool complete = false;
  // complete: the payload is received[payload_offset, payload_offset + payload_size) and the
  // frame ends at payload_offset + payload_size (consume that many bytes, then decode again).
  std::size_t payload_offset = 0;
  std::size_t payload_size = 0;
  // !complete: at least this many more bytes are needed before calling again makes progress.
  std::size_t bytes_needed = 0;
};

// Looks at the bytes received so far (starting at a frame boundary). With framing::none the
// whole input is one frame. Errors (offset into `received`, field no_field): frame_empty
// (a zero length or, with none, no bytes), frame_too_large (above payload_size_max),
// bad_frame_prefix (a non-digit in an ASCII prefix).
result<frame_status, codec_error> decode_frame(framing f, std::string_view received,
                                               std::size_t frame_size_max) noexcept;

// Writes the prefix for a payload of `payload_size` bytes into `out` and returns its size.
// Errors: frame_empty, frame_too_large, buffer_too_small.
result<std::size_t, codec_error> encode_frame_prefix(framing f, std::size_t payload_size,
                                                     std::size_t frame_size_max,
                                                     std::span<char> out) noexcept;

// "none", "binary2", "ascii4" to a framing; false for any other name.
bool parse_framing(std::string_view name, framing& out) noexcept;

}  // namespace sy::protocol::iso8583
