// The driver's requests: signed as specs/merchant-api.md says (checked against a vector made
// with `openssl dgst` and against the integration tests' own client, merchant_client.h), each
// with a fresh nonce, idempotency key and card, and unsigned requests of the same size.
#include "bench/load/request_builder.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "protocol/pan.h"
#include "tests/integration/merchant_client.h"

namespace sy::load {
namespace {

struct parsed_request {
  std::string request_line;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Splits one request (the whole of `bytes`) into its parts.
parsed_request parse(const std::string& bytes) {
  parsed_request out;
  const auto head_end = bytes.find("\r\n\r\n");
  std::size_t at = bytes.find("\r\n");
  out.request_line = bytes.substr(0, at);
  while (at < head_end) {
    const auto next = bytes.find("\r\n", at + 2);
    const std::string line = bytes.substr(at + 2, next - at - 2);
    const auto colon = line.find(": ");
    out.headers[line.substr(0, colon)] = line.substr(colon + 2);
    at = next;
  }
  out.body = bytes.substr(head_end + 4);
  return out;
}

// The value of `name="..."` in an Authorization header.
std::string field(const std::string& header, const std::string& name) {
  const auto start = header.find(name + "=\"") + name.size() + 2;
  return header.substr(start, header.find('"', start) - start);
}

request_builder make_builder(bool sign) {
  return request_builder(request_settings{"127.0.0.1:8443", "/v1/payments", "key_bench",
                                          "bench-secret", sign, 1099, "CNY"},
                         "abcdefghijklmnopt0",
                         card_generator({*parse_bin_range("411111-411199")}, 16, 1));
}

TEST(RequestBuilder, SignatureMatchesAVectorMadeWithOpensslDgst) {
  // printf 'POST\n/v1/payments\n1700000000\nabcdefghijklmnop-1\n{"amount":1}\n' |
  //   openssl dgst -sha256 -hmac bench-secret -binary | openssl base64 -A
  EXPECT_EQ(request_signature("bench-secret", "POST", "/v1/payments", "1700000000",
                              "abcdefghijklmnop-1", R"({"amount":1})"),
            "hs9RUlCJfv7RUCpc0VXgrB6+PIA2vVC+3D5fJUsHYDY=");
}

TEST(RequestBuilder, EveryRequestIsSignedOverItsOwnParts) {
  auto builder = make_builder(true);
  for (int i = 0; i < 3; ++i) {
    std::string bytes;
    builder.append(bytes, 1'700'000'000 + i);
    const auto r = parse(bytes);
    EXPECT_EQ(r.request_line, "POST /v1/payments HTTP/1.1");
    EXPECT_EQ(r.headers.at("Host"), "127.0.0.1:8443");
    EXPECT_EQ(r.headers.at("Content-Type"), "application/json");
    EXPECT_EQ(r.headers.at("Content-Length"), std::to_string(r.body.size()));
    const auto& auth = r.headers.at("Authorization");
    ASSERT_TRUE(auth.starts_with("SY1-HMAC-SHA256 key_id=\"key_bench\",timestamp=\"")) << auth;
    const std::string ts = field(auth, "timestamp");
    const std::string nonce = field(auth, "nonce");
    EXPECT_EQ(ts, std::to_string(1'700'000'000 + i));
    EXPECT_EQ(field(auth, "signature"),
              testing::hmac_base64("bench-secret", "POST\n/v1/payments\n" + ts + "\n" + nonce +
                                                       "\n" + r.body + "\n"));
  }
}

TEST(RequestBuilder, NoncesAndIdempotencyKeysAreFreshAndWithinTheSpecsBounds) {
  auto builder = make_builder(true);
  std::set<std::string> nonces, keys, cards;
  for (int i = 0; i < 1000; ++i) {
    std::string bytes;
    builder.append(bytes, 1'700'000'000);
    const auto r = parse(bytes);
    const std::string nonce = field(r.headers.at("Authorization"), "nonce");
    EXPECT_GE(nonce.size(), 16u);
    EXPECT_LE(nonce.size(), 64u);
    EXPECT_EQ(
        nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"),
        std::string::npos)
        << nonce;
    nonces.insert(nonce);
    keys.insert(r.headers.at("Idempotency-Key"));
    const auto number_at = r.body.find(R"("number":")") + 10;
    const std::string number = r.body.substr(number_at, 16);
    EXPECT_TRUE(protocol::luhn_valid(number)) << number;
    cards.insert(number);
  }
  EXPECT_EQ(nonces.size(), 1000u);
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_GT(cards.size(), 990u);
}

TEST(RequestBuilder, UnsignedRequestsHaveTheSignedOnesSize) {
  auto signed_builder = make_builder(true);
  auto unsigned_builder = make_builder(false);
  std::string a, b;
  signed_builder.append(a, 1'700'000'000);
  unsigned_builder.append(b, 1'700'000'000);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_NE(field(parse(a).headers.at("Authorization"), "signature"),
            field(parse(b).headers.at("Authorization"), "signature"));
}

TEST(RequestBuilder, RequestsAppendForOneWrite) {
  auto builder = make_builder(true);
  std::string one, two;
  builder.append(one, 1'700'000'000);
  two = one;
  builder.append(two, 1'700'000'000);
  EXPECT_TRUE(two.starts_with(one));
  EXPECT_TRUE(two.substr(one.size()).starts_with("POST /v1/payments HTTP/1.1\r\n"));
}

}  // namespace
}  // namespace sy::load
