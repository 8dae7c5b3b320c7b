// The JSON input form of ISO 8583 messages (what `switchyard iso8583 encode` reads): round trips
// through pack, unpack and the JSON dump, and precise errors for malformed input.
#include "protocol/iso8583/json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/dump.h"
#include "protocol/iso8583/specs.h"

namespace sy::protocol::iso8583 {
namespace {

TEST(Iso8583Json, RoundTripsThroughPackAndUnpack) {
  const boost::json::value input = boost::json::parse(R"({
    "mti": "0800",
    "fields": {"7": "1121231845", "11": "000001", "41": "TERM0001", "70": "301",
               "128": "0a0b0c0d0e0f1011"}
  })");
  message m;
  std::string storage;
  ASSERT_TRUE(from_json(iso87(), input, m, storage));
  std::vector<char> buffer(256);
  const auto size = pack(iso87(), m, buffer);
  ASSERT_TRUE(size);
  message wire;
  ASSERT_TRUE(unpack(iso87(), std::string_view(buffer.data(), *size), wire));
  EXPECT_EQ(boost::json::value(to_json(iso87(), wire)),
            boost::json::parse(R"({"mti": "0800", "fields": {"7": "1121231845", "11": "000001",
              "41": "TERM0001", "70": "301", "128": "0A0B0C0D0E0F1011"}})"));
}

codec_error json_error(std::string_view text) {
  message m;
  std::string storage;
  const auto r = from_json(iso87(), boost::json::parse(text), m, storage);
  EXPECT_FALSE(r);
  return r ? codec_error() : r.error();
}

TEST(Iso8583Json, RejectsMalformedInputPrecisely) {
  EXPECT_EQ(json_error("[]").code(), errc::bad_json);
  EXPECT_EQ(json_error(R"({"fields": {}})").field(), 0);
  EXPECT_EQ(json_error(R"({"mti": "0200"})").code(), errc::bad_json);
  EXPECT_EQ(json_error(R"({"mti": "02000", "fields": {}})").field(), 0);
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {}, "extra": 1})").found(), "extra");
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {"1": "00"}})").code(), errc::bad_json);
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {"129": "00"}})").code(), errc::bad_json);
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {"x": "00"}})").code(), errc::bad_json);
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {"4": 1000}})").field(), 4);
  const codec_error hex = json_error(R"({"mti": "0200", "fields": {"52": "12345678abcdefgh"}})");
  EXPECT_EQ(hex.code(), errc::bad_hex);
  EXPECT_EQ(hex.field(), 52);
  EXPECT_EQ(json_error(R"({"mti": "0200", "fields": {"64": "123"}})").code(), errc::bad_hex);
}

}  // namespace
}  // namespace sy::protocol::iso8583
