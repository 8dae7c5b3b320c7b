// Fuzzes ISO 8583 framing: the first byte picks the framing and a maximum frame size; the rest is
// a stream cut into frames until more bytes are needed or an error. Frames must stay inside the
// input, and re-encoding a frame's prefix must give back the same bytes.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/specs.h"

namespace {

using namespace sy::protocol::iso8583;

void check(bool invariant) {
  if (!invariant) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const framing f = data[0] % 2 == 0 ? framing::binary2 : framing::ascii4;
  const std::size_t frame_max = (data[0] & 0x80) != 0 ? 64 : sy::limits::iso8583_frame_size_max;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!stream.empty()) {
    const auto status = decode_frame(f, stream, frame_max);
    if (!status) return 0;
    if (!status->complete) {
      check(status->bytes_needed > 0);
      return 0;
    }
    const std::size_t end = status->payload_offset + status->payload_size;
    check(end <= stream.size() && status->payload_size > 0);
    check(status->payload_size <= payload_size_max(f, frame_max));
    std::array<char, 4> prefix{};
    const auto written = encode_frame_prefix(f, status->payload_size, frame_max, prefix);
    check(written.has_value() && *written == status->payload_offset);
    check(stream.substr(0, *written) == std::string_view(prefix.data(), *written));
    message m;
    (void)unpack(iso87(), stream.substr(status->payload_offset, status->payload_size), m);
    stream.remove_prefix(end);
  }
  return 0;
}
