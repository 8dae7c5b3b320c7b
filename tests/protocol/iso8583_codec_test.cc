// The ISO 8583 packager: known vectors, every length type, content kind and encoding, round trips
// of random messages, truncation at every offset, and every error kind.
#include "protocol/iso8583/codec.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "protocol/iso8583/specs.h"

namespace sy::protocol::iso8583 {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

const message_spec bcd_spec = with_encodings(
    iso87(), "iso87-bcd", mti_encoding::bcd, bitmap_encoding::binary, data_encoding::bcd,
    data_encoding::ascii, data_encoding::binary, prefix_encoding::bcd);
const message_spec ebcdic_spec = with_encodings(
    iso87(), "iso87-ebcdic", mti_encoding::ebcdic, bitmap_encoding::hex, data_encoding::ebcdic,
    data_encoding::ebcdic, data_encoding::ebcdic, prefix_encoding::ebcdic);
const message_spec hex_binary_spec = with_encodings(
    iso93(), "iso93-hex", mti_encoding::ascii, bitmap_encoding::hex, data_encoding::ascii,
    data_encoding::ascii, data_encoding::ascii, prefix_encoding::binary);

message_spec without_secondary_bitmap(message_spec spec) {
  spec.fields[1] = field_def{};
  for (std::size_t i = 65; i <= field_count; ++i) spec.fields[i] = field_def{};
  return spec;
}

// The bank link's 0200 purchase, as the switch sends it (specs/bank-link.md).
message purchase_0200() {
  message m;
  m.set_mti("0200");
  m.set(2, "4111111111111111");
  m.set(3, "000000");
  m.set(4, "000000001000");
  m.set(7, "1121231845");
  m.set(11, "000123");
  m.set(12, "231845");
  m.set(13, "1121");
  m.set(14, "2812");
  m.set(18, "5411");
  m.set(22, "051");
  m.set(25, "00");
  m.set(32, "123456");
  m.set(37, "532512345678");
  m.set(41, "TERM0001");
  m.set(42, "MERCHANT0000001");
  m.set(43, "SWITCHYARD SHOP BERLIN DE");
  m.set(49, "978");
  return m;
}

const std::string purchase_0200_bytes =
    "0200"s + "\x72\x3C\x44\x81\x08\xE0\x80\x00"s + "16" + "4111111111111111" + "000000" +
    "000000001000" + "1121231845" + "000123" + "231845" + "1121" + "2812" + "5411" + "051" + "00" +
    "06" + "123456" + "532512345678" + "TERM0001" + "MERCHANT0000001" +
    "SWITCHYARD SHOP BERLIN DE               " + "978";

std::string pack_to_string(const message_spec& spec, const message& m) {
  std::vector<char> buffer(limits::iso8583_frame_size_max);
  const auto packed = pack(spec, m, buffer);
  EXPECT_TRUE(packed.has_value()) << packed.error().message();
  return packed ? std::string(buffer.data(), *packed) : std::string();
}

codec_error unpack_error(const message_spec& spec, std::string_view bytes) {
  message m;
  const auto r = unpack(spec, bytes, m);
  EXPECT_FALSE(r.has_value());
  return r ? codec_error() : r.error();
}

codec_error pack_error(const message_spec& spec, const message& m, std::size_t size = 4096) {
  std::vector<char> buffer(size);
  const auto r = pack(spec, m, buffer);
  EXPECT_FALSE(r.has_value());
  return r ? codec_error() : r.error();
}

TEST(Iso8583Codec, PacksBankLink0200ByteForByte) {
  EXPECT_EQ(pack_to_string(iso87(), purchase_0200()), purchase_0200_bytes);
}

TEST(Iso8583Codec, UnpacksBankLink0200IntoViewsOfTheInput) {
  message m;
  ASSERT_TRUE(unpack(iso87(), purchase_0200_bytes, m));
  EXPECT_EQ(m.mti(), "0200");
  EXPECT_EQ(m.get(2), "4111111111111111");
  EXPECT_EQ(m.get(43), "SWITCHYARD SHOP BERLIN DE               ");
  EXPECT_EQ(m.get(49), "978");
  EXPECT_FALSE(m.has(39));
  EXPECT_EQ(m.get(39), "");
  // A view, not a copy: it points into the input buffer.
  EXPECT_EQ(m.get(2).data(), purchase_0200_bytes.data() + 4 + 8 + 2);
}

TEST(Iso8583Codec, AddsSecondaryBitmapOnlyForFieldsAbove64) {
  message m = purchase_0200();
  m.set(64, "\x01\x02\x03\x04\x05\x06\x07\x08"sv);
  const std::string with_mac = pack_to_string(iso87(), m);
  EXPECT_EQ(with_mac.substr(4, 8), "\x72\x3C\x44\x81\x08\xE0\x80\x01"s);
  EXPECT_EQ(with_mac.substr(with_mac.size() - 8), "\x01\x02\x03\x04\x05\x06\x07\x08"s);

  message sign_on;
  sign_on.set_mti("0800");
  sign_on.set(7, "1121231845");
  sign_on.set(11, "000001");
  sign_on.set(70, "001");
  const std::string bytes = pack_to_string(iso87(), sign_on);
  EXPECT_EQ(bytes, "0800"s + "\x82\x20\x00\x00\x00\x00\x00\x00"s +
                       "\x04\x00\x00\x00\x00\x00\x00\x00"s + "1121231845" + "000001" + "001");
  message back;
  ASSERT_TRUE(unpack(iso87(), bytes, back));
  EXPECT_EQ(back.get(70), "001");
  EXPECT_FALSE(back.has(1) && back.has(65));
}

TEST(Iso8583Codec, PadsFixedNumericLeftWithZerosAndTextRightWithSpaces) {
  message m;
  m.set_mti("0200");
  m.set(4, "1000");
  m.set(41, "T1");
  const std::string bytes = pack_to_string(iso87(), m);
  EXPECT_EQ(bytes.substr(12), "000000001000T1      ");
}

TEST(Iso8583Codec, WritesLllvarAndLlllvarPrefixes) {
  message_spec spec = iso87();
  spec.fields[48].length = length_type::llllvar;
  spec.fields[48].length_max = 1200;
  message m;
  m.set_mti("0100");
  m.set(44, "X");
  const std::string text(1000, 'A');
  m.set(48, text);
  const std::string bytes = pack_to_string(spec, m);
  EXPECT_EQ(bytes.substr(12, 3), "01X");
  EXPECT_EQ(bytes.substr(15, 4), "1000");
  EXPECT_EQ(bytes.size(), 19U + 1000U);
  message back;
  ASSERT_TRUE(unpack(spec, bytes, back));
  EXPECT_EQ(back.get(48), text);

  m.erase(48);
  m.set(46, "AB");
  EXPECT_EQ(pack_to_string(iso87(), m).substr(12), "01X002AB");
}

TEST(Iso8583Codec, PacksBcdWithOddLengthPadding) {
  message m;
  m.set_mti("0200");
  m.set(2, "378282246310005");         // 15 digits: right-aligned, pad nibble 0 in front
  m.set(4, "1000");                    // fixed n12: zero-padded to 6 bytes
  m.set(22, "051");                    // fixed n3: 2 bytes, pad nibble 0 in front
  m.set(35, "4111111111111111=2512");  // z, 21 characters: left-aligned, pad nibble F
  const std::string bytes = pack_to_string(bcd_spec, m);
  EXPECT_EQ(bytes, "\x02\x00"s + "\x50\x00\x04\x00\x20\x00\x00\x00"s +
                       "\x15\x03\x78\x28\x22\x46\x31\x00\x05"s + "\x00\x00\x00\x00\x10\x00"s +
                       "\x00\x51"s + "\x21\x41\x11\x11\x11\x11\x11\x11\x11\xD2\x51\x2F"s);

  message wire;
  ASSERT_TRUE(unpack(bcd_spec, bytes, wire));
  EXPECT_EQ(wire.length(2), 15U);
  EXPECT_EQ(wire.get(2).size(), 8U);
  std::array<char, 64> scratch{};
  EXPECT_EQ(field_value(bcd_spec, wire, 2, scratch).value(), "378282246310005");
  EXPECT_EQ(field_value(bcd_spec, wire, 4, scratch).value(), "000000001000");
  EXPECT_EQ(field_value(bcd_spec, wire, 22, scratch).value(), "051");
  EXPECT_EQ(field_value(bcd_spec, wire, 35, scratch).value(), "4111111111111111=2512");
}

TEST(Iso8583Codec, BcdTrackDataAcceptsDAsSeparator) {
  message m;
  m.set_mti("0200");
  m.set(35, "4111D25");
  const std::string bytes = pack_to_string(bcd_spec, m);
  EXPECT_EQ(bytes.substr(10), "\x07\x41\x11\xD2\x5F"s);
}

TEST(Iso8583Codec, PacksEbcdicWithHexBitmap) {
  message m;
  m.set_mti("0200");
  m.set(3, "000000");
  m.set(41, "TERM0001");
  m.set(44, "OK");
  m.set(52, "\x12\x34\x56\x78\x9A\xBC\xDE\xF0"sv);
  const std::string bytes = pack_to_string(ebcdic_spec, m);
  EXPECT_EQ(bytes, "\xF0\xF2\xF0\xF0"s + "2000000000901000" + "\xF0\xF0\xF0\xF0\xF0\xF0"s +
                       "\xE3\xC5\xD9\xD4\xF0\xF0\xF0\xF1"s + "\xF0\xF2\xD6\xD2"s +
                       "\xF1\xF2\xF3\xF4\xF5\xF6\xF7\xF8\xF9\xC1\xC2\xC3\xC4\xC5\xC6\xF0"s);
  message wire;
  ASSERT_TRUE(unpack(ebcdic_spec, bytes, wire));
  EXPECT_EQ(wire.mti(), "0200");
  std::array<char, 64> scratch{};
  EXPECT_EQ(field_value(ebcdic_spec, wire, 41, scratch).value(), "TERM0001");
  EXPECT_EQ(field_value(ebcdic_spec, wire, 52, scratch).value(),
            "\x12\x34\x56\x78\x9A\xBC\xDE\xF0"s);
}

TEST(Iso8583Codec, PacksHexBinaryElementsAndBinaryLengthPrefixes) {
  message m;
  m.set_mti("0100");
  m.set(53, "\xAB\x01"sv);  // iso93 DE 53 is b..48 LLVAR: 1-byte binary prefix, hex text
  const std::string record(300, 'x');
  m.set(72, record);  // LLLVAR: 2-byte big-endian prefix
  const std::string bytes = pack_to_string(hex_binary_spec, m);
  EXPECT_EQ(bytes.substr(0, 36),
            "0100"
            "8000000000000800"
            "0100000000000000");
  EXPECT_EQ(bytes.substr(36, 5),
            "\x02"
            "AB01"s);
  EXPECT_EQ(bytes.substr(41, 2), "\x01\x2C"s);
  message wire;
  ASSERT_TRUE(unpack(hex_binary_spec, bytes, wire));
  std::array<char, 8> scratch{};
  EXPECT_EQ(field_value(hex_binary_spec, wire, 53, scratch).value(), "\xAB\x01"s);
  EXPECT_EQ(wire.get(72).size(), 300U);
}

TEST(Iso8583Codec, UnpacksSignedAmountsAndRejectsMissingSign) {
  message m;
  m.set_mti("0200");
  m.set(28, "D00000150");
  const std::string bytes = pack_to_string(iso87(), m);
  message back;
  ASSERT_TRUE(unpack(iso87(), bytes, back));
  EXPECT_EQ(back.get(28), "D00000150");
  m.set(28, "000000150");
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::bad_character);
}

TEST(Iso8583Codec, Iso93UsesItsOwnDirectory) {
  message m;
  m.set_mti("1200");
  m.set(12, "261121231845");
  m.set(22, "A1B2C3D4E5F6");
  m.set(39, "000");
  const std::string bytes = pack_to_string(iso93(), m);
  EXPECT_EQ(bytes.substr(12), "261121231845A1B2C3D4E5F6000");
  // The same bytes are not a valid 1987 message: DE 12 there is n6, so bytes are left over.
  EXPECT_EQ(unpack_error(iso87(), bytes).code(), errc::trailing_bytes);
}

// ---- round trips -------------------------------------------------------------------------------

std::string random_value(const field_def& f, std::mt19937& rng) {
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const std::size_t size =
      f.length == length_type::fixed ? f.length_max : pick(std::size_t{f.length_max} + 1);
  static constexpr std::string_view alnum =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ";
  std::string v;
  for (std::size_t i = 0; i < size; ++i) {
    switch (f.kind) {
      case content::n:
        v += static_cast<char>('0' + pick(10));
        break;
      case content::z:
        v += pick(8) == 0 ? '=' : static_cast<char>('0' + pick(10));
        break;
      case content::xn:
        v += i == 0 ? (pick(2) == 0 ? 'C' : 'D') : static_cast<char>('0' + pick(10));
        break;
      case content::an:
        v += alnum[pick(alnum.size())];
        break;
      case content::ans:
        v += static_cast<char>(0x20 + pick(0x5F));
        break;
      case content::b:
        v += static_cast<char>(pick(256));
        break;
    }
  }
  return v;
}

TEST(Iso8583Codec, RoundTripsRandomValidMessagesInEverySpec) {
  std::mt19937 rng(8583);
  const std::array<const message_spec*, 5> specs = {&iso87(), &iso93(), &bcd_spec, &ebcdic_spec,
                                                    &hex_binary_spec};
  std::vector<char> buffer(limits::iso8583_frame_size_max);
  std::vector<char> storage(limits::iso8583_frame_size_max);
  for (int round = 0; round < 3000; ++round) {
    const message_spec& spec = *specs[static_cast<std::size_t>(round) % specs.size()];
    std::vector<std::string> values(field_count + 1);
    message m;
    const std::string mti = std::to_string(1000 + rng() % 9000);
    m.set_mti(mti);
    const unsigned density = 2 + rng() % 30;  // sparse and dense messages
    for (std::size_t field = 2; field <= field_count; ++field) {
      if (rng() % 100 >= density) continue;
      values[field] = random_value(spec.fields[field], rng);
      m.set(field, values[field]);
    }
    const auto packed = pack(spec, m, buffer);
    ASSERT_TRUE(packed) << spec.name << ": " << packed.error().message();
    message wire;
    const auto unpacked = unpack(spec, std::string_view(buffer.data(), *packed), wire);
    ASSERT_TRUE(unpacked) << spec.name << ": " << unpacked.error().message();
    message back;
    ASSERT_TRUE(to_values(spec, wire, back, storage));
    EXPECT_EQ(back.mti(), mti);
    ASSERT_EQ(back.presence(), m.presence()) << spec.name;
    for (std::size_t field = 2; field <= field_count; ++field) {
      if (m.has(field)) {
        ASSERT_EQ(back.get(field), values[field]) << spec.name << " DE " << field;
      }
    }
  }
}

// ---- malformed input ---------------------------------------------------------------------------

TEST(Iso8583Codec, RejectsTruncationAtEveryOffset) {
  message m = purchase_0200();
  m.set(35, "4111111111111111=2512101");
  m.set(52, "\x01\x02\x03\x04\x05\x06\x07\x08"sv);
  m.set(70, "301");
  m.set(128, "\x01\x02\x03\x04\x05\x06\x07\x08"sv);
  for (const message_spec* spec : {&iso87(), &bcd_spec, &ebcdic_spec}) {
    const std::string bytes = pack_to_string(*spec, m);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      // A copy of exactly `size` bytes, so ASan sees any read past the end.
      const std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<long>(size));
      message out;
      const auto r = unpack(*spec, std::string_view(cut.data(), cut.size()), out);
      ASSERT_FALSE(r) << spec->name << " cut at " << size;
      EXPECT_EQ(r.error().code(), errc::truncated) << spec->name << " cut at " << size;
      EXPECT_LE(r.error().offset(), size);
    }
  }
}

TEST(Iso8583Codec, RejectsBadMti) {
  const codec_error e = unpack_error(iso87(), "02A0"s + purchase_0200_bytes.substr(4));
  EXPECT_EQ(e.code(), errc::bad_mti);
  EXPECT_EQ(e.field(), 0);
  EXPECT_EQ(e.offset(), 2U);
  EXPECT_EQ(e.found(), "byte 0x41");
  EXPECT_EQ(unpack_error(bcd_spec, "\x0A\x00"s + std::string(8, '\0')).code(), errc::bad_mti);

  message m = purchase_0200();
  m.set_mti("200");
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::bad_mti);
  m.set_mti("02x0");
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::bad_mti);
}

TEST(Iso8583Codec, RejectsNonHexBitmap) {
  const codec_error e = unpack_error(ebcdic_spec, "\xF0\xF2\xF0\xF0"s + "20000000009G0800");
  EXPECT_EQ(e.code(), errc::bad_bitmap);
  EXPECT_EQ(e.field(), 1);
  EXPECT_EQ(e.offset(), 4U + 11U);
}

TEST(Iso8583Codec, RejectsSecondaryBitmapWhenSpecHasNone) {
  const message_spec short_spec = without_secondary_bitmap(iso87());
  const codec_error e = unpack_error(short_spec, "0800"s + "\x80" + std::string(15, '\0'));
  EXPECT_EQ(e.code(), errc::undefined_field);
  EXPECT_EQ(e.field(), 1);

  message m;
  m.set_mti("0800");
  m.set(70, "001");
  const codec_error p = pack_error(short_spec, m);
  EXPECT_EQ(p.code(), errc::undefined_field);
  EXPECT_EQ(p.field(), 70);
}

TEST(Iso8583Codec, RejectsBitsForUndefinedFields) {
  message_spec spec = iso87();
  spec.fields[5] = field_def{};
  const codec_error e = unpack_error(spec, "0200"s + "\x08" + std::string(7, '\0'));
  EXPECT_EQ(e.code(), errc::undefined_field);
  EXPECT_EQ(e.field(), 5);
  EXPECT_EQ(e.offset(), 12U);

  message m;
  m.set_mti("0200");
  m.set(5, "1");
  EXPECT_EQ(pack_error(spec, m).code(), errc::undefined_field);
}

TEST(Iso8583Codec, RejectsNonDigitLength) {
  const codec_error e = unpack_error(iso87(), "0200"s + "\x40" + std::string(7, '\0') + "1A");
  EXPECT_EQ(e.code(), errc::bad_length);
  EXPECT_EQ(e.field(), 2);
  EXPECT_EQ(e.offset(), 13U);
  EXPECT_EQ(unpack_error(bcd_spec, "\x02\x00\x40"s + std::string(7, '\0') + "\x1A").code(),
            errc::bad_length);
  EXPECT_EQ(unpack_error(ebcdic_spec, "\xF0\xF2\xF0\xF0"s + "4000000000000000" + "\xF1\x41").code(),
            errc::bad_length);
}

TEST(Iso8583Codec, RejectsLlvarLongerThanMax) {
  const codec_error e =
      unpack_error(iso87(), "0200"s + "\x40" + std::string(7, '\0') + "20" + std::string(20, '4'));
  EXPECT_EQ(e.code(), errc::length_above_max);
  EXPECT_EQ(e.field(), 2);
  EXPECT_EQ(e.found(), "length 20, max 19");

  message m;
  m.set_mti("0200");
  const std::string too_long(20, '4');
  m.set(2, too_long);
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::length_above_max);
  m.set(2, "4111111111111111");
  m.set(4, "1234567890123");
  EXPECT_EQ(pack_error(iso87(), m).field(), 4);
}

TEST(Iso8583Codec, RejectsFixedBinaryOfWrongLength) {
  message m;
  m.set_mti("0200");
  m.set(52, "\x01\x02\x03"sv);
  const codec_error e = pack_error(iso87(), m);
  EXPECT_EQ(e.code(), errc::length_mismatch);
  EXPECT_EQ(e.field(), 52);
}

TEST(Iso8583Codec, RejectsNonDigitInNumericField) {
  std::string bytes = purchase_0200_bytes;
  bytes[4 + 8 + 2 + 16 + 1] = 'X';  // inside DE 3
  const codec_error e = unpack_error(iso87(), bytes);
  EXPECT_EQ(e.code(), errc::non_numeric);
  EXPECT_EQ(e.field(), 3);
  EXPECT_EQ(e.offset(), 31U);
  EXPECT_EQ(e.found(), "byte 0x58");

  message m = purchase_0200();
  m.set(2, "41111111x1111111");
  const codec_error p = pack_error(iso87(), m);
  EXPECT_EQ(p.code(), errc::non_numeric);
  EXPECT_EQ(p.field(), 2);
}

TEST(Iso8583Codec, ChecksEveryByteValueAtEveryPositionOfNumericAndTextElements) {
  // DE 4 (n12) and DE 43 (ans40) are checked eight bytes at a time: try each byte everywhere.
  for (const std::size_t field : {std::size_t{4}, std::size_t{43}}) {
    const std::size_t size = iso87().fields[field].length_max;
    const bool numeric = field == 4;
    for (std::size_t position = 0; position < size; ++position) {
      for (unsigned byte = 0; byte < 256; ++byte) {
        std::string value(size, numeric ? '7' : 'x');
        value[position] = static_cast<char>(byte);
        message m;
        m.set_mti("0200");
        m.set(field, value);
        std::array<char, 128> buffer{};
        const bool ok = numeric ? (byte >= '0' && byte <= '9') : (byte >= 0x20 && byte <= 0x7E);
        const auto packed = pack(iso87(), m, buffer);
        ASSERT_EQ(packed.has_value(), ok)
            << "DE " << field << " byte " << byte << " at " << position;
        message wire;
        std::string bytes = "0200"s + std::string(8, '\0') + value;
        bytes[4 + (field - 1) / 8] = static_cast<char>(0x80 >> ((field - 1) % 8));
        const auto unpacked = unpack(iso87(), bytes, wire);
        ASSERT_EQ(unpacked.has_value(), ok) << "DE " << field << " byte " << byte;
        if (!ok) {
          EXPECT_EQ(unpacked.error().offset(), 12 + position);
        }
      }
    }
  }
}

TEST(Iso8583Codec, RejectsCharactersOutsideTheContentKind) {
  std::string bytes = purchase_0200_bytes;
  const std::size_t de41 = bytes.find("TERM0001");
  bytes[de41 + 2] = '\x01';
  EXPECT_EQ(unpack_error(iso87(), bytes).code(), errc::bad_character);
  EXPECT_EQ(unpack_error(iso87(), bytes).field(), 41);

  message m = purchase_0200();
  m.set(37, "5325-2345678");  // an: no punctuation
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::bad_character);
  m = purchase_0200();
  m.set(35, "4111=25A");
  EXPECT_EQ(pack_error(iso87(), m).code(), errc::bad_character);
  // EBCDIC bytes without a printable ASCII counterpart are bad characters too.
  EXPECT_EQ(
      unpack_error(ebcdic_spec, "\xF0\xF2\xF0\xF0"s + "0000000000100000" + "\xF0\xF1\xFF").code(),
      errc::bad_character);
}

TEST(Iso8583Codec, RejectsWrongBcdPadNibble) {
  // DE 22 n3 in BCD: the pad nibble in front must be 0.
  const std::string header = "\x02\x00\x00\x00\x04\x00\x00\x00\x00\x00"s;
  message ok;
  ASSERT_TRUE(unpack(bcd_spec, header + "\x00\x51"s, ok));
  const codec_error e = unpack_error(bcd_spec, header + "\x10\x51"s);
  EXPECT_EQ(e.code(), errc::bad_padding);
  EXPECT_EQ(e.field(), 22);
  // DE 35 z in BCD: the pad nibble after an odd length must be F.
  const std::string track = "\x02\x00\x00\x00\x00\x00\x20\x00\x00\x00"s;
  EXPECT_EQ(unpack_error(bcd_spec, track + "\x03\x41\x10"s).code(), errc::bad_padding);
  EXPECT_EQ(unpack_error(bcd_spec, track + "\x03\x4A\x1F"s).code(), errc::non_numeric);
}

TEST(Iso8583Codec, RejectsNonHexBinaryInCharacterEncoding) {
  const codec_error e = unpack_error(hex_binary_spec,
                                     "0100"
                                     "0000000000000800"
                                     "\x02"
                                     "AZ01"s);
  EXPECT_EQ(e.code(), errc::bad_hex);
  EXPECT_EQ(e.field(), 53);
  EXPECT_EQ(e.offset(), 22U);
}

TEST(Iso8583Codec, RejectsTrailingBytes) {
  const codec_error e = unpack_error(iso87(), purchase_0200_bytes + "XY");
  EXPECT_EQ(e.code(), errc::trailing_bytes);
  EXPECT_EQ(e.offset(), purchase_0200_bytes.size());
  EXPECT_EQ(e.found(), "length 2");
}

TEST(Iso8583Codec, ReportsBufferTooSmallAtEverySize) {
  const message m = purchase_0200();
  for (std::size_t size = 0; size < purchase_0200_bytes.size(); ++size) {
    EXPECT_EQ(pack_error(iso87(), m, size).code(), errc::buffer_too_small) << size;
  }
  std::vector<char> exact(purchase_0200_bytes.size());
  EXPECT_EQ(pack(iso87(), m, exact).value(), purchase_0200_bytes.size());
}

TEST(Iso8583Codec, FieldValueNeedsScratchForDecodedElements) {
  message m;
  m.set_mti("0200");
  m.set(2, "4111111111111111");
  const std::string bytes = pack_to_string(bcd_spec, m);
  message wire;
  ASSERT_TRUE(unpack(bcd_spec, bytes, wire));
  std::array<char, 4> scratch{};
  EXPECT_EQ(field_value(bcd_spec, wire, 2, scratch).error().code(), errc::buffer_too_small);
  // A message of values is not wire bytes of a BCD spec: refused, not misread.
  std::array<char, 32> enough{};
  EXPECT_EQ(field_value(bcd_spec, m, 2, enough).error().code(), errc::length_mismatch);
}

TEST(Iso8583Codec, ErrorFoundTextIsBoundedForHugeNumbers) {
  codec_error e(errc::length_above_max, 2, 0, "a short value");
  e.found_length(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(e.found(), "length 18446744073709551615, max");
  e.found_text(std::string(100, 'x'));
  EXPECT_EQ(e.found().size(), 32U);
}

TEST(Iso8583Codec, ErrorsRenderFieldOffsetExpectedAndFound) {
  const codec_error e =
      unpack_error(iso87(), "0200"s + "\x40" + std::string(7, '\0') + "20" + std::string(20, '4'));
  EXPECT_EQ(e.message(),
            "field 2 at offset 12: length_above_max: expected a length within the maximum, "
            "found length 20, max 19");
  EXPECT_EQ(e.error_code(), make_error_code(errc::length_above_max));
  EXPECT_STREQ(e.error_code().category().name(), "iso8583");
  const boost::system::error_code ec = errc::truncated;
  EXPECT_EQ(ec.message(), "truncated");
}

}  // namespace
}  // namespace sy::protocol::iso8583
