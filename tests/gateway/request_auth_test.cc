// The Authorization header is read strictly: anything but the spec's four parameters is refused.
#include "gateway/request_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::gateway {
namespace {

constexpr const char* good =
    R"(SY1-HMAC-SHA256 key_id="key_1",timestamp="1700000000",nonce="abcdefghijklmnop",signature="c2lnbmF0dXJl")";

TEST(RequestAuth, ReadsTheFourParameters) {
  const auto c = parse_authorization(good);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key_id, "key_1");
  EXPECT_EQ(c->timestamp, "1700000000");
  EXPECT_EQ(c->timestamp_s, 1700000000);
  EXPECT_EQ(c->nonce, "abcdefghijklmnop");
  EXPECT_EQ(c->signature, "c2lnbmF0dXJl");
}

TEST(RequestAuth, AcceptsAnyOrderAndSpacesAfterCommas) {
  EXPECT_TRUE(parse_authorization(
      R"(SY1-HMAC-SHA256 signature="c2ln", nonce="abcdefghijklmnop", timestamp="1", key_id="k")"));
}

TEST(RequestAuth, RefusesEverythingElse) {
  for (
      const std::string& h : {
          std::string(""),
          std::string(R"(Bearer key_id="k")"),
          std::string(R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="abcdefghijklmnop")"),
          std::string(good) + R"(,key_id="again")",
          std::string(good) + R"(,extra="x")",
          std::string(good) + ",",
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="-1",nonce="abcdefghijklmnop",signature="s")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="+1",nonce="abcdefghijklmnop",signature="s")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="1234567890123",nonce="abcdefghijklmnop",signature="s")"),
          std::string(R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="short",signature="s")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="abcdefghijklmno!",signature="s")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="",timestamp="1",nonce="abcdefghijklmnop",signature="s")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="abcdefghijklmnop",signature="")"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="abcdefghijklmnop",signature="s)"),
          std::string(
              R"(SY1-HMAC-SHA256 key_id="k",timestamp="1",nonce="abcdefghijklmnop",signature=")") +
              std::string(65, 'A') + "\"",
      }) {
    EXPECT_FALSE(parse_authorization(h)) << h;
  }
}

TEST(RequestAuth, WritesTheResponseSignatureHeader) {
  EXPECT_EQ(sy_signature_header(1700000000, "c2ln"), R"(timestamp="1700000000",signature="c2ln")");
}

}  // namespace
}  // namespace sy::gateway
