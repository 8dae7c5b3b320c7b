// ISO 8583 specs as data: how one data element is laid out on the wire (field_def) and how a
// whole message is (message_spec: MTI encoding, bitmap encoding, 128 field definitions).
#pragma once

#include <array>
#include <cstdint>

#include "config/limits.h"

namespace sy::protocol::iso8583 {

enum class length_type : std::uint8_t {
  unused,   // the spec does not define this field; a bitmap bit for it is an error
  fixed,    // exactly length_max units
  llvar,    // 2-digit length prefix
  lllvar,   // 3-digit length prefix
  llllvar,  // 4-digit length prefix
};

// What an element may contain. Lengths count digits (n, z, xn), characters (an, ans) or bytes (b).
enum class content : std::uint8_t {
  n,    // digits 0-9; fixed ones are right-aligned and zero-padded
  an,   // letters, digits and space (space because fixed ones are left-aligned, space-padded)
  ans,  // printable ASCII 0x20-0x7E; fixed ones are left-aligned and space-padded
  b,    // opaque bytes
  z,    // track 2/3 data: digits plus the separators '=' and 'D'
  xn,   // an amount with a sign: 'C' (credit) or 'D' (debit) then digits; length counts both
};

// How an element's value becomes bytes.
//  ascii:  one byte per character. For b content, two hex characters per byte (jPOS IFA_BINARY).
//  ebcdic: one EBCDIC (code page 037) byte per character; b content as hex characters in EBCDIC.
//  bcd:    two digits per byte. Odd lengths get one pad nibble: numeric (n) values are
//          right-aligned with a leading 0 nibble, track (z) values are left-aligned with a
//          trailing F nibble; '=' and 'D' travel as nibble D. b content is raw bytes.
//  binary: raw bytes (the value is the wire bytes).
enum class data_encoding : std::uint8_t { ascii, ebcdic, bcd, binary };

// How a variable element's length prefix is written. ascii/ebcdic: 2, 3 or 4 decimal digits;
// bcd: LL in 1 byte, LLL and LLLL in 2 bytes (right-aligned); binary: LL in 1 byte, LLL and
// LLLL as 2 bytes big-endian.
enum class prefix_encoding : std::uint8_t { ascii, ebcdic, bcd, binary };

// Who may see an element in a dump or log. Spec data, so a channel's own spec can mark more.
enum class sensitivity : std::uint8_t {
  clear,   // printed as is (b content as hex)
  pan,     // printed through mask_pan
  track,   // the embedded PAN masked, every other character replaced by '*'
  secret,  // never printed, only that it is present (PIN blocks)
};

struct field_def {
  length_type length = length_type::unused;
  content kind = content::n;
  data_encoding data = data_encoding::ascii;
  prefix_encoding prefix = prefix_encoding::ascii;
  std::uint16_t length_max = 0;
  sensitivity visibility = sensitivity::clear;
  const char* name = "";
};

enum class mti_encoding : std::uint8_t { ascii, ebcdic, bcd };
// binary: 8 raw bytes per bitmap; hex: 16 ASCII hex characters per bitmap.
enum class bitmap_encoding : std::uint8_t { binary, hex };

// Field 1 is the secondary bitmap: when its definition is unused, the spec has 64 fields only.
inline constexpr std::size_t field_count = limits::iso8583_field_count_max;

struct message_spec {
  const char* name = "";
  mti_encoding mti = mti_encoding::ascii;
  bitmap_encoding bitmap = bitmap_encoding::binary;
  std::array<field_def, field_count + 1> fields{};  // index 0 unused; 1..128

  constexpr bool has_secondary_bitmap() const { return fields[1].length != length_type::unused; }
};

// The same directory with other encodings: n and z elements in `numeric`, an/ans/xn elements in
// `text`, b elements in `binary`, every length prefix in `prefix`. This is how a BCD or EBCDIC
// variant of a shipped spec is made (jPOS's ISO87BPackager is ISO87APackager re-encoded).
constexpr message_spec with_encodings(message_spec spec, const char* name, mti_encoding mti,
                                      bitmap_encoding bitmap, data_encoding numeric,
                                      data_encoding text, data_encoding binary,
                                      prefix_encoding prefix) {
  spec.name = name;
  spec.mti = mti;
  spec.bitmap = bitmap;
  for (std::size_t i = 2; i <= field_count; ++i) {
    field_def& f = spec.fields[i];
    switch (f.kind) {
      case content::n:
      case content::z:
        f.data = numeric;
        break;
      case content::b:
        f.data = binary;
        break;
      case content::an:
      case content::ans:
      case content::xn:
        f.data = text;
        break;
    }
    f.prefix = prefix;
  }
  return spec;
}

}  // namespace sy::protocol::iso8583
