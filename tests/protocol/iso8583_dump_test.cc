// Printable forms of ISO 8583 messages: masking in the text and JSON dumps.
#include "protocol/iso8583/dump.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"

namespace sy::protocol::iso8583 {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view pan = "4111111111111111";
constexpr std::string_view track2 = "4111111111111111=28121010000012300000";
constexpr std::string_view track1 = "B4111111111111111^DOE/JOHN^2812101000001230";
constexpr std::string_view pin_block = "\x12\x34\x56\x78\x9A\xBC\xDE\xF0"sv;

message sensitive_0200() {
  message m;
  m.set_mti("0200");
  m.set(2, pan);
  m.set(4, "000000001000");
  m.set(35, track2);
  m.set(45, track1);
  m.set(52, pin_block);
  m.set(64, "\x01\x02\x03\x04\x05\x06\x07\x08"sv);
  return m;
}

TEST(Iso8583Dump, MasksPanTrackAndPinInText) {
  const std::string text = dump(iso87(), sensitive_0200());
  EXPECT_NE(text.find("MTI 0200\n"), std::string::npos);
  EXPECT_NE(text.find("DE 2 primary account number: 411111******1111\n"), std::string::npos);
  EXPECT_NE(text.find("DE 35 track 2 data: 411111******1111*********************\n"),
            std::string::npos);
  EXPECT_NE(text.find("DE 45 track 1 data: B411111******1111"), std::string::npos);
  EXPECT_NE(text.find("DE 52 personal identification number data: [PIN block present]\n"),
            std::string::npos);
  EXPECT_NE(text.find("DE 64 message authentication code: 0102030405060708\n"), std::string::npos);
  EXPECT_NE(text.find("DE 4 amount, transaction: 000000001000\n"), std::string::npos);
  EXPECT_EQ(text.find(pan), std::string::npos);
  EXPECT_EQ(text.find("123456789ABCDEF0"), std::string::npos);
  EXPECT_EQ(text.find("DOE/JOHN"), std::string::npos);
  EXPECT_EQ(text.find("2812"), std::string::npos);
}

TEST(Iso8583Dump, JsonNeverContainsPanOrPinOfAnUnpackedMessage) {
  std::vector<char> buffer(1024);
  const auto size = pack(iso87(), sensitive_0200(), buffer);
  ASSERT_TRUE(size);
  message wire;
  ASSERT_TRUE(unpack(iso87(), std::string_view(buffer.data(), *size), wire));
  const std::string json = boost::json::serialize(to_json(iso87(), wire));
  EXPECT_EQ(json.find(pan), std::string::npos);
  EXPECT_EQ(json.find("123456789ABCDEF0"), std::string::npos);
  EXPECT_NE(json.find(R"("mti":"0200")"), std::string::npos);
  EXPECT_NE(json.find(R"("2":"411111******1111")"), std::string::npos);
  EXPECT_NE(json.find(R"("52":"[PIN block present]")"), std::string::npos);
  EXPECT_NE(json.find(R"("64":"0102030405060708")"), std::string::npos);
}

TEST(Iso8583Dump, MasksPanDecodedFromBcd) {
  const message_spec bcd =
      with_encodings(iso87(), "bcd", mti_encoding::bcd, bitmap_encoding::binary, data_encoding::bcd,
                     data_encoding::ascii, data_encoding::binary, prefix_encoding::bcd);
  message m;
  m.set_mti("0200");
  m.set(2, pan);
  std::vector<char> buffer(64);
  const auto size = pack(bcd, m, buffer);
  ASSERT_TRUE(size);
  message wire;
  ASSERT_TRUE(unpack(bcd, std::string_view(buffer.data(), *size), wire));
  EXPECT_EQ(display_value(bcd, wire, 2), "411111******1111");
}

}  // namespace
}  // namespace sy::protocol::iso8583
