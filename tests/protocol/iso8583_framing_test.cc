// ISO 8583 framing: 2-byte binary and 4-digit ASCII prefixes, both ways and incrementally.
#include "protocol/iso8583/framing.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace sy::protocol::iso8583 {
namespace {

using namespace std::string_literals;

constexpr std::size_t frame_max = limits::iso8583_frame_size_max;

std::string framed(framing f, const std::string& payload) {
  std::array<char, 4> prefix{};
  const auto size = encode_frame_prefix(f, payload.size(), frame_max, prefix);
  EXPECT_TRUE(size.has_value());
  return std::string(prefix.data(), size ? *size : 0) + payload;
}

TEST(Iso8583Framing, WritesBinaryPrefixBigEndian) {
  EXPECT_EQ(framed(framing::binary2, std::string(300, 'x')).substr(0, 2), "\x01\x2C"s);
  EXPECT_EQ(framed(framing::binary2, "0800").substr(0, 2), "\x00\x04"s);
}

TEST(Iso8583Framing, WritesAsciiPrefixAsFourDigits) {
  EXPECT_EQ(framed(framing::ascii4, std::string(300, 'x')).substr(0, 4), "0300");
  EXPECT_EQ(framed(framing::none, "0800"), "0800");
}

TEST(Iso8583Framing, DecodesCompleteFrameWithTrailingNextFrame) {
  for (const framing f : {framing::binary2, framing::ascii4}) {
    const std::string stream = framed(f, "HELLO") + framed(f, "X");
    const auto status = decode_frame(f, stream, frame_max);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->complete);
    EXPECT_EQ(status->payload_offset, prefix_size(f));
    EXPECT_EQ(stream.substr(status->payload_offset, status->payload_size), "HELLO");
  }
}

TEST(Iso8583Framing, AsksForMoreBytesUntilTheFrameIsComplete) {
  for (const framing f : {framing::binary2, framing::ascii4}) {
    const std::string stream = framed(f, "0800ABCDEFGH");
    for (std::size_t have = 0; have < stream.size(); ++have) {
      const auto status = decode_frame(f, std::string_view(stream).substr(0, have), frame_max);
      ASSERT_TRUE(status) << have;
      EXPECT_FALSE(status->complete) << have;
      const std::size_t header = prefix_size(f);
      const std::size_t needed = have < header ? header - have : stream.size() - have;
      EXPECT_EQ(status->bytes_needed, needed) << have;
    }
    EXPECT_TRUE(decode_frame(f, stream, frame_max)->complete);
  }
}

TEST(Iso8583Framing, RejectsZeroLength) {
  EXPECT_EQ(decode_frame(framing::binary2, "\x00\x00"s, frame_max).error().code(),
            errc::frame_empty);
  EXPECT_EQ(decode_frame(framing::ascii4, "0000", frame_max).error().code(), errc::frame_empty);
  EXPECT_EQ(decode_frame(framing::none, "", frame_max).error().code(), errc::frame_empty);
  std::array<char, 4> prefix{};
  EXPECT_EQ(encode_frame_prefix(framing::binary2, 0, frame_max, prefix).error().code(),
            errc::frame_empty);
}

TEST(Iso8583Framing, RejectsFramesAboveTheConfiguredMaximum) {
  const auto e = decode_frame(framing::binary2, "\x08\x01"s, 2048).error();
  EXPECT_EQ(e.code(), errc::frame_too_large);
  EXPECT_EQ(e.found(), "length 2049, max 2048");
  EXPECT_TRUE(decode_frame(framing::binary2, "\x08\x00"s, 2048));
  EXPECT_EQ(decode_frame(framing::none, std::string(2049, 'x'), 2048).error().code(),
            errc::frame_too_large);
  std::array<char, 4> prefix{};
  EXPECT_EQ(encode_frame_prefix(framing::ascii4, 10000, frame_max, prefix).error().code(),
            errc::frame_too_large);
  EXPECT_EQ(encode_frame_prefix(framing::binary2, 65536, frame_max, prefix).error().code(),
            errc::frame_too_large);
  EXPECT_EQ(payload_size_max(framing::ascii4, frame_max), limits::iso8583_ascii_frame_size_max);
}

TEST(Iso8583Framing, RejectsNonDigitInAsciiPrefix) {
  const auto e = decode_frame(framing::ascii4, "00x5HELLO", frame_max).error();
  EXPECT_EQ(e.code(), errc::bad_frame_prefix);
  EXPECT_EQ(e.offset(), 2U);
  EXPECT_EQ(e.found(), "byte 0x78");
}

TEST(Iso8583Framing, ReportsPrefixBufferTooSmall) {
  std::array<char, 1> prefix{};
  EXPECT_EQ(encode_frame_prefix(framing::binary2, 5, frame_max, prefix).error().code(),
            errc::buffer_too_small);
}

TEST(Iso8583Framing, ParsesFramingNames) {
  framing f{};
  EXPECT_TRUE(parse_framing("ascii4", f));
  EXPECT_EQ(f, framing::ascii4);
  EXPECT_TRUE(parse_framing("binary2", f));
  EXPECT_EQ(f, framing::binary2);
  EXPECT_TRUE(parse_framing("none", f));
  EXPECT_EQ(f, framing::none);
  EXPECT_FALSE(parse_framing("ascii2", f));
}

}  // namespace
}  // namespace sy::protocol::iso8583
