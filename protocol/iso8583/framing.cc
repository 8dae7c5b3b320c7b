// Length-prefix framing of ISO 8583 messages.
#include "protocol/iso8583/framing.h"

#include <algorithm>

#include "config/assert.h"

namespace sy::protocol::iso8583 {

std::size_t prefix_size(framing f) noexcept {
  switch (f) {
    case framing::none:
      return 0;
    case framing::binary2:
      return 2;
    case framing::ascii4:
      return 4;
  }
  return 0;
}

std::size_t payload_size_max(framing f, std::size_t frame_size_max) noexcept {
  SY_ASSERT(frame_size_max <= limits::iso8583_frame_size_max);
  const std::size_t cap = std::min(frame_size_max, limits::iso8583_frame_size_max);
  return f == framing::ascii4 ? std::min(cap, limits::iso8583_ascii_frame_size_max) : cap;
}

result<frame_status, codec_error> decode_frame(framing f, std::string_view received,
                                               std::size_t frame_size_max) noexcept {
  const std::size_t max = payload_size_max(f, frame_size_max);
  const std::size_t header = prefix_size(f);
  if (received.size() < header) {
    return frame_status{.bytes_needed = header - received.size()};
  }
  std::size_t size = 0;
  if (f == framing::none) {
    size = received.size();
  } else if (f == framing::binary2) {
    size = static_cast<std::size_t>(static_cast<unsigned char>(received[0])) << 8 |
           static_cast<unsigned char>(received[1]);
  } else {
    for (std::size_t i = 0; i < header; ++i) {
      const char c = received[i];
      if (c < '0' || c > '9') {
        return codec_error(errc::bad_frame_prefix, no_field, i, "4 ASCII length digits")
            .found_byte(static_cast<unsigned char>(c));
      }
      size = size * 10 + static_cast<std::size_t>(c - '0');
    }
  }
  if (size == 0) {
    return codec_error(errc::frame_empty, no_field, 0, "a non-empty message").found_length(0);
  }
  if (size > max) {
    return codec_error(errc::frame_too_large, no_field, 0, "a frame within the maximum size")
        .found_length(size, max);
  }
  const std::size_t have = received.size() - header;
  if (have < size) return frame_status{.bytes_needed = size - have};
  return frame_status{.complete = true, .payload_offset = header, .payload_size = size};
}

result<std::size_t, codec_error> encode_frame_prefix(framing f, std::size_t payload_size,
                                                     std::size_t frame_size_max,
                                                     std::span<char> out) noexcept {
  const std::size_t max = payload_size_max(f, frame_size_max);
  if (payload_size == 0) {
    return codec_error(errc::frame_empty, no_field, 0, "a non-empty message").found_length(0);
  }
  if (payload_size > max) {
    return codec_error(errc::frame_too_large, no_field, 0, "a message within the maximum size")
        .found_length(payload_size, max);
  }
  const std::size_t header = prefix_size(f);
  if (out.size() < header) {
    return codec_error(errc::buffer_too_small, no_field, 0, "room for the length prefix");
  }
  if (f == framing::binary2) {
    out[0] = static_cast<char>(payload_size >> 8);
    out[1] = static_cast<char>(payload_size & 0xFF);
  } else if (f == framing::ascii4) {
    std::size_t rest = payload_size;
    for (std::size_t i = header; i-- > 0; rest /= 10) out[i] = static_cast<char>('0' + rest % 10);
  }
  return header;
}

bool parse_framing(std::string_view name, framing& out) noexcept {
  if (name == "none") {
    out = framing::none;
  } else if (name == "binary2") {
    out = framing::binary2;
  } else if (name == "ascii4") {
    out = framing::ascii4;
  } else {
    return false;
  }
  return true;
}

}  // namespace sy::protocol::iso8583
