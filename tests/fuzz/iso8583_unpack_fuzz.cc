// Fuzzes ISO 8583 unpack in four specs (the first byte picks one): unpack must never read outside
// the input, and whatever it accepts must dump, convert to values, re-pack and unpack the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/dump.h"
#include "protocol/iso8583/specs.h"

namespace {

using namespace sy::protocol::iso8583;

const message_spec bcd_spec = with_encodings(
    iso87(), "iso87-bcd", mti_encoding::bcd, bitmap_encoding::binary, data_encoding::bcd,
    data_encoding::ascii, data_encoding::binary, prefix_encoding::bcd);
const message_spec ebcdic_spec = with_encodings(
    iso87(), "iso87-ebcdic", mti_encoding::ebcdic, bitmap_encoding::hex, data_encoding::ebcdic,
    data_encoding::ebcdic, data_encoding::ebcdic, prefix_encoding::binary);

const message_spec& pick_spec(std::uint8_t selector) {
  switch (selector % 4) {
    case 0:
      return iso87();
    case 1:
      return iso93();
    case 2:
      return bcd_spec;
    default:
      return ebcdic_spec;
  }
}

void check(bool invariant) {
  if (!invariant) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const message_spec& spec = pick_spec(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  message wire;
  if (!unpack(spec, input, wire)) return 0;
  check(!dump(spec, wire).empty());
  check(!to_json(spec, wire).empty());

  static std::vector<char> storage(2 * sy::limits::iso8583_frame_size_max);
  static std::vector<char> packed(2 * sy::limits::iso8583_frame_size_max);
  static std::vector<char> storage_again(2 * sy::limits::iso8583_frame_size_max);
  message values;
  check(to_values(spec, wire, values, storage).has_value());
  const auto packed_size = pack(spec, values, packed);
  check(packed_size.has_value());
  message wire_again;
  check(unpack(spec, std::string_view(packed.data(), *packed_size), wire_again).has_value());
  message values_again;
  check(to_values(spec, wire_again, values_again, storage_again).has_value());
  check(values_again.mti() == values.mti());
  check(values_again.presence() == values.presence());
  for (std::size_t field = 2; field <= field_count; ++field) {
    check(values_again.get(field) == values.get(field));
  }
  return 0;
}
