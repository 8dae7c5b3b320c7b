// The ISO 8583 packager: MTI, bitmaps and elements in every encoding of field.h.
#include "protocol/iso8583/codec.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "protocol/iso8583/detail/encoding.h"

namespace sy::protocol::iso8583 {
namespace {

using detail::allowed;
using detail::ebcdic_to_ascii;
using detail::hex_value;
using detail::is_digit;

using uchar = unsigned char;

constexpr std::uint8_t mti_field = 0;
constexpr std::uint8_t bitmap_field = 1;
constexpr std::size_t bitmap_bytes = 8;

uchar byte_at(std::string_view s, std::size_t i) {
  return static_cast<uchar>(s[i]);
}

std::size_t prefix_digits(length_type t) {
  switch (t) {
    case length_type::llvar:
      return 2;
    case length_type::lllvar:
      return 3;
    case length_type::llllvar:
      return 4;
    case length_type::unused:
    case length_type::fixed:
      break;
  }
  return 0;
}

std::size_t prefix_size(const field_def& f) {
  const std::size_t digits = prefix_digits(f.length);
  switch (f.prefix) {
    case prefix_encoding::ascii:
    case prefix_encoding::ebcdic:
      return digits;
    case prefix_encoding::bcd:
    case prefix_encoding::binary:
      return digits == 2 ? 1 : 2;
  }
  return digits;
}

std::size_t prefix_value_max(const field_def& f) {
  switch (prefix_digits(f.length)) {
    case 2:
      return 99;
    case 3:
      return 999;
    default:
      return 9999;
  }
}

bool is_bcd_text(const field_def& f) {
  return f.data == data_encoding::bcd && f.kind != content::b;
}
bool is_hex_binary(const field_def& f) {
  return f.kind == content::b &&
         (f.data == data_encoding::ascii || f.data == data_encoding::ebcdic);
}
bool view_is_value(const field_def& f) {
  if (f.kind == content::b) return !is_hex_binary(f);
  return f.data == data_encoding::ascii || f.data == data_encoding::binary;
}

// Bytes on the wire for a value of `length` units.
std::size_t wire_size(const field_def& f, std::size_t length) {
  if (is_bcd_text(f)) return (length + 1) / 2;
  if (is_hex_binary(f)) return length * 2;
  return length;
}

// A character allowed at position i of an element (xn: the sign comes first, then digits).
bool allowed_at(content kind, std::size_t i, uchar c) {
  if (kind == content::xn) return i == 0 ? (c == 'C' || c == 'D') : is_digit(c);
  return allowed(kind, c);
}

// Eight bytes at a time for the common kinds (SWAR), since this check runs over every byte
// packed or unpacked.
constexpr std::uint64_t ones = 0x0101010101010101;
constexpr std::uint64_t high_bits = 0x8080808080808080;

std::uint64_t load8(const char* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// All eight bytes are '0'-'9': high nibble 3, and adding 6 keeps it 3 (no byte above '9').
bool digits8(std::uint64_t x) {
  constexpr std::uint64_t high_nibbles = 0xF0F0F0F0F0F0F0F0;
  constexpr std::uint64_t threes = 0x3030303030303030;
  return (x & high_nibbles) == threes && ((x + 6 * ones) & high_nibbles) == threes;
}

// All eight bytes are printable ASCII 0x20-0x7E: none below 0x20, none above 0x7E.
bool printable8(std::uint64_t x) {
  const std::uint64_t below = (x - 0x20 * ones) & ~x & high_bits;
  const std::uint64_t above = ((x + (0x7F - 0x7E) * ones) | x) & high_bits;
  return (below | above) == 0;
}

bool all_allowed(content kind, std::string_view text) {
  std::size_t i = 0;
  if (kind == content::n || kind == content::ans) {
    const bool numeric = kind == content::n;
    for (; i + 8 <= text.size(); i += 8) {
      const std::uint64_t x = load8(text.data() + i);
      if (!(numeric ? digits8(x) : printable8(x))) return false;
    }
  }
  for (; i < text.size(); ++i) {
    if (!allowed(kind, byte_at(text, i))) return false;
  }
  return true;
}

// The index of the first character `kind` does not allow, or npos.
std::size_t first_disallowed(content kind, std::string_view text) {
  std::size_t i = 0;
  if (kind == content::xn) {
    if (text.empty()) return std::string_view::npos;
    if (!allowed_at(kind, 0, byte_at(text, 0))) return 0;
    kind = content::n;
    i = 1;
  }
  if (all_allowed(kind, text.substr(i))) return std::string_view::npos;
  for (; i < text.size(); ++i) {
    if (!allowed(kind, byte_at(text, i))) return i;
  }
  return std::string_view::npos;
}

codec_error content_error(const field_def& f, std::size_t field, std::size_t offset, uchar c) {
  const bool numeric = f.kind == content::n || is_bcd_text(f);
  const char* expected = "a character allowed by the element's content kind";
  if (numeric) expected = "a decimal digit";
  if (f.kind == content::xn) expected = "'C' or 'D' followed by digits";
  if (f.kind == content::z) expected = "a digit, '=' or 'D' (track data)";
  return codec_error(numeric ? errc::non_numeric : errc::bad_character,
                     static_cast<std::uint8_t>(field), offset, expected)
      .found_byte(c);
}

codec_error truncated(std::uint8_t field, std::size_t offset, const char* expected) {
  return codec_error(errc::truncated, field, offset, expected).found_text("end of input");
}

codec_error too_small(std::uint8_t field, std::size_t offset) {
  return codec_error(errc::buffer_too_small, field, offset, "room in the output buffer");
}

// Wire bit order: field 1 is the most significant bit of the first byte; presence words keep
// field 1 in bit 0. Reversing each byte converts between the two.
uchar reverse_bits(uchar b) {
  b = static_cast<uchar>((b & 0xF0) >> 4 | (b & 0x0F) << 4);
  b = static_cast<uchar>((b & 0xCC) >> 2 | (b & 0x33) << 2);
  return static_cast<uchar>((b & 0xAA) >> 1 | (b & 0x55) << 1);
}

// ---- pack --------------------------------------------------------------------------------------

class writer {
 public:
  explicit writer(std::span<char> out) : out_(out) {}
  std::size_t pos() const { return pos_; }
  bool room(std::size_t n) const { return out_.size() - pos_ >= n; }
  void put(uchar b) { out_[pos_++] = static_cast<char>(b); }
  void copy(std::string_view bytes) {
    if (bytes.empty()) return;  // an empty view may have no data pointer
    std::memcpy(out_.data() + pos_, bytes.data(), bytes.size());
    pos_ += bytes.size();
  }
  void fill(char c, std::size_t n) {
    if (n == 0) return;
    std::memset(out_.data() + pos_, c, n);
    pos_ += n;
  }

 private:
  std::span<char> out_;
  std::size_t pos_ = 0;
};

result<void, codec_error> write_mti(const message_spec& spec, std::string_view mti, writer& w) {
  if (mti.size() != 4) {
    return codec_error(errc::bad_mti, mti_field, 0, "4 digits").found_length(mti.size());
  }
  for (std::size_t i = 0; i < 4; ++i) {
    if (!is_digit(byte_at(mti, i))) {
      return codec_error(errc::bad_mti, mti_field, i, "4 digits").found_byte(byte_at(mti, i));
    }
  }
  const std::size_t size = spec.mti == mti_encoding::bcd ? 2 : 4;
  if (!w.room(size)) return too_small(mti_field, w.pos());
  for (std::size_t i = 0; i < 4; ++i) {
    const uchar d = static_cast<uchar>(byte_at(mti, i) - '0');
    switch (spec.mti) {
      case mti_encoding::ascii:
        w.put(static_cast<uchar>('0' + d));
        break;
      case mti_encoding::ebcdic:
        w.put(static_cast<uchar>(0xF0 + d));
        break;
      case mti_encoding::bcd:
        if (i % 2 == 1) w.put(static_cast<uchar>((byte_at(mti, i - 1) - '0') << 4 | d));
        break;
    }
  }
  return {};
}

result<void, codec_error> write_bitmap(const message_spec& spec, std::uint64_t word, writer& w) {
  const std::size_t size = spec.bitmap == bitmap_encoding::hex ? 2 * bitmap_bytes : bitmap_bytes;
  if (!w.room(size)) return too_small(bitmap_field, w.pos());
  for (std::size_t j = 0; j < bitmap_bytes; ++j) {
    const uchar b = reverse_bits(static_cast<uchar>(word >> (8 * j)));
    if (spec.bitmap == bitmap_encoding::hex) {
      w.put(static_cast<uchar>(detail::hex_digits[b >> 4]));
      w.put(static_cast<uchar>(detail::hex_digits[b & 0xF]));
    } else {
      w.put(b);
    }
  }
  return {};
}

void write_prefix(const field_def& f, std::size_t length, writer& w) {
  const std::size_t digits = prefix_digits(f.length);
  switch (f.prefix) {
    case prefix_encoding::ascii:
    case prefix_encoding::ebcdic: {
      const uchar zero = f.prefix == prefix_encoding::ascii ? '0' : 0xF0;
      std::size_t divisor = digits == 2 ? 10 : digits == 3 ? 100 : 1000;
      for (; divisor != 0; divisor /= 10) w.put(static_cast<uchar>(zero + length / divisor % 10));
      break;
    }
    case prefix_encoding::bcd:
      if (digits == 2) {
        w.put(static_cast<uchar>(length / 10 << 4 | length % 10));
      } else {
        w.put(static_cast<uchar>(length / 1000 << 4 | length / 100 % 10));
        w.put(static_cast<uchar>(length / 10 % 10 << 4 | length % 10));
      }
      break;
    case prefix_encoding::binary:
      if (digits != 2) w.put(static_cast<uchar>(length >> 8));
      w.put(static_cast<uchar>(length & 0xFF));
      break;
  }
}

uchar nibble_of(uchar c) {
  return is_digit(c) ? static_cast<uchar>(c - '0') : 0xD;
}

// BCD: n-style values are right-aligned (pad zeros and an odd pad nibble 0 in front), z values
// left-aligned (odd pad nibble F at the end).
void write_bcd(const field_def& f, std::string_view value, std::size_t padded, writer& w) {
  const bool left_aligned = f.kind == content::z;
  const std::size_t nibbles = padded + padded % 2;
  const std::size_t lead = left_aligned ? 0 : nibbles - value.size();
  auto nibble = [&](std::size_t i) -> uchar {
    if (i < lead) return 0;
    if (i - lead < value.size()) return nibble_of(byte_at(value, i - lead));
    return 0xF;
  };
  for (std::size_t i = 0; i < nibbles; i += 2) {
    w.put(static_cast<uchar>(nibble(i) << 4 | nibble(i + 1)));
  }
}

void write_text(const field_def& f, std::string_view value, std::size_t padded, writer& w) {
  const std::size_t pad = padded - value.size();
  const bool numeric = f.kind == content::n;
  if (f.data != data_encoding::ebcdic) {
    if (numeric) w.fill('0', pad);
    w.copy(value);
    if (!numeric) w.fill(' ', pad);
    return;
  }
  const auto& to_ebcdic = detail::ascii_to_ebcdic;
  if (numeric) w.fill(static_cast<char>(to_ebcdic['0']), pad);
  for (std::size_t i = 0; i < value.size(); ++i) w.put(to_ebcdic[byte_at(value, i)]);
  if (!numeric) w.fill(static_cast<char>(to_ebcdic[' ']), pad);
}

void write_data(const field_def& f, std::string_view value, std::size_t padded, writer& w) {
  if (is_bcd_text(f)) return write_bcd(f, value, padded, w);
  if (is_hex_binary(f)) {
    const bool ebcdic = f.data == data_encoding::ebcdic;
    for (std::size_t i = 0; i < value.size(); ++i) {
      for (const uchar h : {static_cast<uchar>(byte_at(value, i) >> 4),
                            static_cast<uchar>(byte_at(value, i) & 0xF)}) {
        const uchar c = static_cast<uchar>(detail::hex_digits[h]);
        w.put(ebcdic ? detail::ascii_to_ebcdic[c] : c);
      }
    }
    return;
  }
  if (f.kind == content::b) return w.copy(value);
  write_text(f, value, padded, w);
}

result<void, codec_error> check_value(const field_def& f, std::size_t field, std::string_view value,
                                      std::size_t offset) {
  const auto number = static_cast<std::uint8_t>(field);
  const std::size_t limit = f.length == length_type::fixed
                                ? f.length_max
                                : std::min<std::size_t>(f.length_max, prefix_value_max(f));
  if (value.size() > limit) {
    return codec_error(errc::length_above_max, number, offset, "a value within the field's length")
        .found_length(value.size(), limit);
  }
  const bool exact = f.kind == content::b || f.kind == content::z || f.kind == content::xn;
  if (f.length == length_type::fixed && exact && value.size() != limit) {
    return codec_error(errc::length_mismatch, number, offset,
                       "a value of exactly the field's length")
        .found_length(value.size(), limit);
  }
  if (f.kind == content::b) return {};
  const content kind = is_bcd_text(f) && f.kind != content::z ? content::n : f.kind;
  const std::size_t bad = first_disallowed(kind, value);
  if (bad != std::string_view::npos) return content_error(f, field, offset, byte_at(value, bad));
  return {};
}

result<void, codec_error> write_field(const message_spec& spec, std::size_t field,
                                      std::string_view value, writer& w) {
  const field_def& f = spec.fields[field];
  const auto number = static_cast<std::uint8_t>(field);
  if (f.length == length_type::unused) {
    return codec_error(errc::undefined_field, number, w.pos(), "a field the spec defines");
  }
  if (auto checked = check_value(f, field, value, w.pos()); !checked) return checked;
  const bool fixed = f.length == length_type::fixed;
  const std::size_t padded = fixed ? f.length_max : value.size();
  const std::size_t size = (fixed ? 0 : prefix_size(f)) + wire_size(f, padded);
  if (!w.room(size)) return too_small(number, w.pos());
  if (!fixed) write_prefix(f, value.size(), w);
  write_data(f, value, padded, w);
  return {};
}

// ---- unpack ------------------------------------------------------------------------------------

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return in_.size() - pos_; }
  uchar at(std::size_t i) const { return byte_at(in_, pos_ + i); }
  std::string_view take(std::size_t n) {
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

result<void, codec_error> read_mti(const message_spec& spec, reader& r, message& out) {
  const std::size_t size = spec.mti == mti_encoding::bcd ? 2 : 4;
  if (r.left() < size) return truncated(mti_field, r.pos(), "a 4-digit MTI");
  char mti[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t at = spec.mti == mti_encoding::bcd ? i / 2 : i;
    uchar c = r.at(at);
    if (spec.mti == mti_encoding::bcd) {
      const uchar d = i % 2 == 0 ? c >> 4 : c & 0xF;
      c = d <= 9 ? static_cast<uchar>('0' + d) : 'X';
    } else if (spec.mti == mti_encoding::ebcdic) {
      c = ebcdic_to_ascii[c] != 0 ? ebcdic_to_ascii[c] : 'X';
    }
    if (!is_digit(c)) {
      return codec_error(errc::bad_mti, mti_field, r.pos() + at, "4 digits").found_byte(r.at(at));
    }
    mti[i] = static_cast<char>(c);
  }
  r.take(size);
  out.set_mti({mti, 4});
  return {};
}

result<std::uint64_t, codec_error> read_bitmap(const message_spec& spec, reader& r) {
  const bool hex = spec.bitmap == bitmap_encoding::hex;
  const std::size_t size = hex ? 2 * bitmap_bytes : bitmap_bytes;
  if (r.left() < size) return truncated(bitmap_field, r.pos(), "a complete bitmap");
  std::uint64_t word = 0;
  for (std::size_t j = 0; j < bitmap_bytes; ++j) {
    uchar b = r.at(j);
    if (hex) {
      const int hi = hex_value(r.at(2 * j));
      const int lo = hex_value(r.at(2 * j + 1));
      if (hi < 0 || lo < 0) {
        const std::size_t bad = hi < 0 ? 2 * j : 2 * j + 1;
        return codec_error(errc::bad_bitmap, bitmap_field, r.pos() + bad, "a hex digit")
            .found_byte(r.at(bad));
      }
      b = static_cast<uchar>(hi << 4 | lo);
    }
    word |= std::uint64_t{reverse_bits(b)} << (8 * j);
  }
  r.take(size);
  return word;
}

result<std::size_t, codec_error> read_prefix(const field_def& f, std::size_t field, reader& r) {
  const auto number = static_cast<std::uint8_t>(field);
  const std::size_t size = prefix_size(f);
  if (r.left() < size) return truncated(number, r.pos(), "a complete length prefix");
  std::size_t length = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const uchar c = r.at(i);
    switch (f.prefix) {
      case prefix_encoding::ascii:
      case prefix_encoding::ebcdic: {
        const uchar d = f.prefix == prefix_encoding::ascii ? c : ebcdic_to_ascii[c];
        if (!is_digit(d)) {
          return codec_error(errc::bad_length, number, r.pos() + i, "a decimal length digit")
              .found_byte(c);
        }
        length = length * 10 + (d - '0');
        break;
      }
      case prefix_encoding::bcd:
        if ((c >> 4) > 9 || (c & 0xF) > 9) {
          return codec_error(errc::bad_length, number, r.pos() + i, "BCD length digits")
              .found_byte(c);
        }
        length = length * 100 + (c >> 4) * 10 + (c & 0xF);
        break;
      case prefix_encoding::binary:
        length = length << 8 | c;
        break;
    }
  }
  return length;
}

// Checks the wire bytes of one element; `offset` is where they start in the input.
result<void, codec_error> check_wire(const field_def& f, std::size_t field, std::string_view wire,
                                     std::size_t length, std::size_t offset) {
  if (is_bcd_text(f)) {
    const bool z = f.kind == content::z;
    const std::size_t nibbles = wire.size() * 2;
    const bool odd = length % 2 == 1;
    for (std::size_t i = 0; i < nibbles; ++i) {
      const uchar b = byte_at(wire, i / 2);
      const uchar d = i % 2 == 0 ? b >> 4 : b & 0xF;
      const bool pad = odd && (z ? i == nibbles - 1 : i == 0);
      if (pad && d != (z ? 0xF : 0)) {
        return codec_error(errc::bad_padding, static_cast<std::uint8_t>(field), offset + i / 2,
                           z ? "pad nibble F after an odd-length value"
                             : "pad nibble 0 before an odd-length value")
            .found_byte(b);
      }
      if (!pad && !(d <= 9 || (z && d == 0xD))) {
        return content_error(f, field, offset + i / 2, b);
      }
    }
    return {};
  }
  const bool ebcdic = f.data == data_encoding::ebcdic;
  if (is_hex_binary(f)) {
    for (std::size_t i = 0; i < wire.size(); ++i) {
      const uchar c = byte_at(wire, i);
      if (hex_value(ebcdic ? ebcdic_to_ascii[c] : c) < 0) {
        return codec_error(errc::bad_hex, static_cast<std::uint8_t>(field), offset + i,
                           "a hex digit (b element in a character encoding)")
            .found_byte(c);
      }
    }
    return {};
  }
  if (f.kind == content::b) return {};
  if (!ebcdic) {
    const std::size_t bad = first_disallowed(f.kind, wire);
    if (bad == std::string_view::npos) return {};
    return content_error(f, field, offset + bad, byte_at(wire, bad));
  }
  for (std::size_t i = 0; i < wire.size(); ++i) {
    const uchar c = byte_at(wire, i);
    const uchar a = ebcdic_to_ascii[c];
    if (a == 0 || !allowed_at(f.kind, i, a)) return content_error(f, field, offset + i, c);
  }
  return {};
}

result<void, codec_error> read_field(const message_spec& spec, std::size_t field, reader& r,
                                     message& out) {
  const field_def& f = spec.fields[field];
  const auto number = static_cast<std::uint8_t>(field);
  if (f.length == length_type::unused) {
    return codec_error(errc::undefined_field, number, r.pos(),
                       "bitmap bits only for fields the spec defines");
  }
  std::size_t length = f.length_max;
  if (f.length != length_type::fixed) {
    const auto prefix = read_prefix(f, field, r);
    if (!prefix) return prefix.error();
    length = *prefix;
    if (length > f.length_max) {
      return codec_error(errc::length_above_max, number, r.pos(), "a length within the maximum")
          .found_length(length, f.length_max);
    }
    r.take(prefix_size(f));
  }
  const std::size_t size = wire_size(f, length);
  if (r.left() < size) return truncated(number, r.pos(), "the element's bytes");
  const std::size_t offset = r.pos();
  const std::string_view wire = r.take(size);
  if (auto checked = check_wire(f, field, wire, length, offset); !checked) return checked;
  out.set(field, wire, length);
  return {};
}

// ---- decode ------------------------------------------------------------------------------------

void decode(const field_def& f, std::string_view wire, std::size_t length, char* out) {
  const bool ebcdic = f.data == data_encoding::ebcdic;
  if (is_bcd_text(f)) {
    const bool lead_pad = length % 2 == 1 && f.kind != content::z;
    for (std::size_t i = 0; i < length; ++i) {
      const std::size_t n = i + (lead_pad ? 1 : 0);
      const uchar b = byte_at(wire, n / 2);
      const uchar d = n % 2 == 0 ? b >> 4 : b & 0xF;
      out[i] = d <= 9 ? static_cast<char>('0' + d) : '=';
    }
  } else if (is_hex_binary(f)) {
    for (std::size_t i = 0; i < length; ++i) {
      uchar hi = byte_at(wire, 2 * i);
      uchar lo = byte_at(wire, 2 * i + 1);
      if (ebcdic) {
        hi = ebcdic_to_ascii[hi];
        lo = ebcdic_to_ascii[lo];
      }
      out[i] = static_cast<char>(hex_value(hi) << 4 | hex_value(lo));
    }
  } else {
    for (std::size_t i = 0; i < length; ++i) {
      out[i] = static_cast<char>(ebcdic_to_ascii[byte_at(wire, i)]);
    }
  }
}

}  // namespace

result<std::size_t, codec_error> pack(const message_spec& spec, const message& msg,
                                      std::span<char> out) noexcept {
  writer w(out);
  if (auto mti = write_mti(spec, msg.mti(), w); !mti) return mti.error();
  const std::uint64_t high = msg.presence()[1];
  if (high != 0 && !spec.has_secondary_bitmap()) {
    const std::size_t first = 65 + static_cast<std::size_t>(std::countr_zero(high));
    return codec_error(errc::undefined_field, static_cast<std::uint8_t>(first), w.pos(),
                       "fields 2-64 only (the spec has no secondary bitmap)");
  }
  // Bit 1 is derived, never taken from the message: it announces the secondary bitmap.
  const std::uint64_t low = (msg.presence()[0] & ~std::uint64_t{1}) | (high != 0 ? 1U : 0U);
  if (auto b = write_bitmap(spec, low, w); !b) return b.error();
  if (high != 0) {
    if (auto b = write_bitmap(spec, high, w); !b) return b.error();
  }
  for (std::size_t word = 0; word < 2; ++word) {
    std::uint64_t bits = msg.presence()[word] & (word == 0 ? ~std::uint64_t{1} : ~std::uint64_t{0});
    for (; bits != 0; bits &= bits - 1) {
      const std::size_t field = word * 64 + static_cast<std::size_t>(std::countr_zero(bits)) + 1;
      if (auto written = write_field(spec, field, msg.get(field), w); !written) {
        return written.error();
      }
    }
  }
  return w.pos();
}

result<void, codec_error> unpack(const message_spec& spec, std::string_view in,
                                 message& out) noexcept {
  out.clear();
  reader r(in);
  if (auto mti = read_mti(spec, r, out); !mti) return mti;
  const std::size_t bitmap_offset = r.pos();
  const auto low = read_bitmap(spec, r);
  if (!low) return low.error();
  std::uint64_t high = 0;
  if ((*low & 1U) != 0) {
    if (!spec.has_secondary_bitmap()) {
      return codec_error(errc::undefined_field, bitmap_field, bitmap_offset,
                         "bit 1 clear (the spec has no secondary bitmap)");
    }
    const auto second = read_bitmap(spec, r);
    if (!second) return second.error();
    high = *second;
  }
  for (std::size_t word = 0; word < 2; ++word) {
    std::uint64_t bits = word == 0 ? *low & ~std::uint64_t{1} : high;
    for (; bits != 0; bits &= bits - 1) {
      const std::size_t field = word * 64 + static_cast<std::size_t>(std::countr_zero(bits)) + 1;
      if (auto read = read_field(spec, field, r, out); !read) return read;
    }
  }
  if (r.left() != 0) {
    return codec_error(errc::trailing_bytes, no_field, r.pos(),
                       "the end of the message after its last element")
        .found_length(r.left());
  }
  return {};
}

result<std::string_view, codec_error> field_value(const message_spec& spec, const message& msg,
                                                  std::size_t field,
                                                  std::span<char> scratch) noexcept {
  if (!msg.has(field)) return std::string_view{};
  const field_def& f = spec.fields[field];
  const std::string_view wire = msg.get(field);
  if (view_is_value(f)) return wire;
  const std::size_t length = msg.length(field);
  const auto number = static_cast<std::uint8_t>(field);
  if (wire.size() != wire_size(f, length)) {
    return codec_error(errc::length_mismatch, number, 0, "wire bytes unpacked with this spec")
        .found_length(wire.size());
  }
  if (scratch.size() < length) return too_small(number, 0);
  decode(f, wire, length, scratch.data());
  return std::string_view(scratch.data(), length);
}

result<std::size_t, codec_error> to_values(const message_spec& spec, const message& wire,
                                           message& values, std::span<char> storage) noexcept {
  values.clear();
  values.set_mti(wire.mti());
  std::size_t used = 0;
  for (std::size_t field = 2; field <= field_count; ++field) {
    if (!wire.has(field)) continue;
    const auto value = field_value(spec, wire, field, storage.subspan(used));
    if (!value) return value.error();
    if (value->data() == storage.data() + used) used += value->size();
    values.set(field, *value);
  }
  return used;
}

}  // namespace sy::protocol::iso8583
