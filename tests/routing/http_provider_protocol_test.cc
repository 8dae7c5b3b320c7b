// The provider protocol without sockets: signatures (against a vector computed with openssl),
// request and object bodies, what each answer means, callback verification, hostile bodies.
#include "routing/http/provider_protocol.h"

#include <gtest/gtest.h>

#include "routing/http/errc.h"
#include "routing/http/provider_signature.h"
#include "tests/routing/wallet_test_support.h"

namespace sy::routing::http {
namespace {

using testing::wallet_hsm;
using testing::wallet_key;

const protocol::money cny_1099{1099, *protocol::find_currency("CNY")};

std::string sign_answer(hsm::backend& hsm, std::string_view ts, std::string_view nonce,
                        unsigned status, std::string_view body) {
  const std::string code = std::to_string(status);
  const auto parts = string_to_sign(answer_parts{ts, nonce, code, body});
  return *sign(hsm, wallet_key, answer_span(parts));
}

provider_object charge(provider_status status) {
  provider_object o{operation::charge, "pay_1", "", status, "wal_9", std::nullopt, cny_1099};
  if (status == provider_status::failed) o.failure_reason = "insufficient_funds";
  return o;
}

channel_result interpret(hsm::backend& hsm, unsigned status, const std::string& body,
                         bool status_query = false) {
  const std::string nonce = "nonce-of-the-request";
  const answer_expectation expected{operation::charge, "pay_1",
                                    status_query ? std::nullopt : std::optional(cny_1099),
                                    status_query};
  const auto signature = sign_answer(hsm, "1700000000", nonce, status, body);
  return interpret_answer(hsm, wallet_key, nonce, expected,
                          {status, "1700000000", signature, body});
}

TEST(ProviderSignature, MatchesAnIndependentHmacOfTheDocumentedString) {
  wallet_hsm hsm;
  const auto parts =
      string_to_sign(request_parts{"1700000000", "abcdefghijklmnop", "POST", "/charges", "{}"});
  EXPECT_EQ(*sign(hsm.backend(), wallet_key, parts),
            "5RYmhu4O82Yd6cy5iGA/IqDSQgjZQjZyEstXtTC9i84=");
  const auto secret = hsm::from_hex(testing::wallet_secret_hex);
  EXPECT_EQ(*sign_with_secret({secret->data(), secret->size()}, parts),
            "5RYmhu4O82Yd6cy5iGA/IqDSQgjZQjZyEstXtTC9i84=");
  EXPECT_TRUE(
      verify(hsm.backend(), wallet_key, parts, "5RYmhu4O82Yd6cy5iGA/IqDSQgjZQjZyEstXtTC9i84="));
  EXPECT_EQ(verify(hsm.backend(), wallet_key, parts, "5RYmhu4O82Yd6cy5iGA/IqDSQgjZQjZyEstXtTC9i85=")
                .error(),
            errc::bad_signature);
  EXPECT_EQ(verify(hsm.backend(), wallet_key, parts, "short").error(), errc::bad_signature);
}

TEST(ProviderSignature, NoncesAreHexOfTheConfiguredSize) {
  const auto a = make_nonce();
  const auto b = make_nonce();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), limits::http_channel_nonce_size);
  EXPECT_TRUE(is_nonce(*a));
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(is_nonce("short"));
  EXPECT_FALSE(is_nonce("has space in it!!"));
}

TEST(ProviderProtocol, RequestBodyRoundTripsAndCarriesNoCardData) {
  const wallet_request r{operation::charge,   "pay_1", "",           cny_1099, "alipay",
                         "buyer@example.com", "m1",    "order \"7\""};
  const auto body = request_body(r);
  ASSERT_TRUE(body);
  const auto back = parse_request(operation::charge, *body);
  ASSERT_TRUE(back) << *body;
  EXPECT_EQ(back->id, "pay_1");
  EXPECT_EQ(back->amount, cny_1099);
  EXPECT_EQ(back->account, "buyer@example.com");
  EXPECT_EQ(back->description, "order \"7\"");
  wallet_request bad = r;
  bad.id = "pay/../x";
  EXPECT_EQ(request_body(bad).error(), errc::bad_request_value);
}

TEST(ProviderProtocol, RejectsHostileObjects) {
  for (
      const std::string& body : std::vector<std::string>{
          "", "not json", "[]", "{\"object\":\"charge\"}",
          std::string(40, '[') + std::string(40, ']'),
          R"({"object":"charge","id":"pay_1","status":"won","reference":"r","amount":1,"currency":"CNY"})",
          R"({"object":"charge","id":"pay_1","status":"succeeded","reference":"r","amount":"1","currency":"CNY"})",
          R"({"object":"charge","id":"pay_1","status":"succeeded","reference":"r","amount":1,"currency":"ZZZ"})",
          R"({"object":"charge","id":"pay_1","status":"failed","reference":"r","amount":1,"currency":"CNY"})",
          R"({"object":"charge","id":"pay_1","status":"succeeded","reference":")" +
              std::string(65, 'r') + R"(","amount":1,"currency":"CNY"})"}) {
    EXPECT_EQ(parse_object(body).error(), errc::malformed_answer) << body;
  }
}

TEST(ProviderAnswer, SucceededIsApprovedWithTheProviderReference) {
  wallet_hsm hsm;
  const auto r = interpret(hsm.backend(), 200, object_body(charge(provider_status::succeeded)));
  ASSERT_EQ(r.kind, result_kind::answered) << r.error.message();
  const auto* approved = std::get_if<clearing::channel_approved>(&*r.outcome);
  ASSERT_NE(approved, nullptr);
  EXPECT_EQ(approved->authorization_code, "wal_9");
  EXPECT_EQ(r.reference, "wal_9");
}

TEST(ProviderAnswer, FailedIsDeclinedWithTheMappedReason) {
  wallet_hsm hsm;
  const auto r = interpret(hsm.backend(), 200, object_body(charge(provider_status::failed)));
  ASSERT_EQ(r.kind, result_kind::answered);
  const auto* declined = std::get_if<clearing::channel_declined>(&*r.outcome);
  ASSERT_NE(declined, nullptr);
  EXPECT_EQ(declined->code, protocol::decline::insufficient_funds);
  auto unknown = charge(provider_status::failed);
  unknown.failure_reason = "risk_rule_17";
  const auto u = interpret(hsm.backend(), 200, object_body(unknown));
  EXPECT_EQ(std::get<clearing::channel_declined>(*u.outcome).code, protocol::decline::do_not_honor);
}

TEST(ProviderAnswer, PendingIsAccepted) {
  wallet_hsm hsm;
  const auto r = interpret(hsm.backend(), 202, object_body(charge(provider_status::pending)));
  EXPECT_EQ(r.kind, result_kind::accepted);
  EXPECT_FALSE(r.outcome);
  // 202 with a final status contradicts itself.
  EXPECT_EQ(interpret(hsm.backend(), 202, object_body(charge(provider_status::succeeded))).error,
            errc::malformed_answer);
}

TEST(ProviderAnswer, AnUnverifiedAnswerIsNoAnswer) {
  wallet_hsm hsm;
  const std::string body = object_body(charge(provider_status::succeeded));
  const answer_expectation expected{operation::charge, "pay_1", cny_1099, false};
  const auto signature = sign_answer(hsm.backend(), "1700000000", "another-nonce", 200, body);
  const auto r = interpret_answer(hsm.backend(), wallet_key, "nonce-of-the-request", expected,
                                  {200, "1700000000", signature, body});
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::bad_signature);
  EXPECT_TRUE(std::holds_alternative<clearing::channel_timed_out>(*r.outcome));
}

TEST(ProviderAnswer, AnObjectAboutAnotherRequestIsMalformed) {
  wallet_hsm hsm;
  auto other = charge(provider_status::succeeded);
  other.id = "pay_2";
  EXPECT_EQ(interpret(hsm.backend(), 200, object_body(other)).error, errc::malformed_answer);
  auto more = charge(provider_status::succeeded);
  more.amount.amount = 1100;
  EXPECT_EQ(interpret(hsm.backend(), 200, object_body(more)).error, errc::malformed_answer);
  EXPECT_EQ(interpret(hsm.backend(), 200, "{\"object\":").error, errc::malformed_answer);
}

TEST(ProviderAnswer, StatusCodesMapToTheDocumentedKinds) {
  wallet_hsm hsm;
  const std::string e = "{\"error\":{\"code\":\"x\"}}";
  const struct {
    unsigned status;
    bool query;
    result_kind kind;
    errc error;
  } cases[] = {
      {404, true, result_kind::not_sent, errc::unknown_request},
      {404, false, result_kind::not_sent, errc::rejected},
      {400, false, result_kind::not_sent, errc::rejected},
      {401, false, result_kind::not_sent, errc::rejected},
      {503, false, result_kind::not_sent, errc::unavailable},
      {429, false, result_kind::not_sent, errc::unavailable},
      {409, false, result_kind::timed_out, errc::id_conflict},
      {500, false, result_kind::timed_out, errc::server_error},
      {302, false, result_kind::timed_out, errc::unexpected_status},
  };
  for (const auto& c : cases) {
    const auto r = interpret(hsm.backend(), c.status, e, c.query);
    EXPECT_EQ(r.kind, c.kind) << c.status;
    EXPECT_EQ(r.error, c.error) << c.status;
  }
}

// A signed callback that owns its text; view() is what the gateway's endpoint would hand over.
struct owned_callback {
  std::string timestamp, nonce = "callback-nonce-0001", signature, body;
  received_callback view() const {
    return {"POST", "/v1/callbacks/w", timestamp, nonce, signature, body};
  }
};

owned_callback callback_of(hsm::backend& hsm, std::string ts, std::string body) {
  owned_callback c;
  c.timestamp = std::move(ts);
  c.body = std::move(body);
  c.signature =
      *sign(hsm, wallet_key,
            string_to_sign(request_parts{c.timestamp, c.nonce, "POST", "/v1/callbacks/w", c.body}));
  return c;
}

TEST(ProviderCallback, VerifiesAndParsesAFinalObject) {
  wallet_hsm hsm;
  const std::string body = object_body(charge(provider_status::succeeded));
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  const auto c = callback_of(hsm.backend(), "1700000010", body);
  const auto object = verify_callback(hsm.backend(), wallet_key, c.view(), now);
  ASSERT_TRUE(object) << object.error().message();
  EXPECT_EQ(object->id, "pay_1");
  EXPECT_EQ(object->status, provider_status::succeeded);
}

TEST(ProviderCallback, RefusesBadSignaturesOldTimestampsAndPendingObjects) {
  wallet_hsm hsm;
  auto& b = hsm.backend();
  const auto now = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  const std::string body = object_body(charge(provider_status::succeeded));
  auto tampered = callback_of(b, "1700000000", body);
  tampered.body = object_body(charge(provider_status::failed));
  EXPECT_EQ(verify_callback(b, wallet_key, tampered.view(), now).error(), errc::bad_signature);
  const auto old = callback_of(b, "1699999000", body);
  EXPECT_EQ(verify_callback(b, wallet_key, old.view(), now).error(), errc::bad_timestamp);
  const auto garbage = callback_of(b, "17e8", body);
  EXPECT_EQ(verify_callback(b, wallet_key, garbage.view(), now).error(), errc::bad_timestamp);
  const auto pending = callback_of(b, "1700000000", object_body(charge(provider_status::pending)));
  EXPECT_EQ(verify_callback(b, wallet_key, pending.view(), now).error(), errc::malformed_answer);
  const auto bad_json = callback_of(b, "1700000000", "{\"id\":1}");
  EXPECT_EQ(verify_callback(b, wallet_key, bad_json.view(), now).error(), errc::malformed_answer);
}

TEST(ProviderProtocol, BaseUrlsSplitIntoSchemeHostPortAndPrefix) {
  const auto a = parse_base_url("https://pay.example.com/v2/");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "pay.example.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->prefix, "/v2");
  EXPECT_EQ(request_target(*a, operation::refund), "/v2/refunds");
  EXPECT_EQ(status_target(*a, operation::charge, "pay_1"), "/v2/charges/pay_1");
  const auto b = parse_base_url("http://[::1]:8080");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8080);
  for (const auto* bad : {"ftp://x", "http://", "http://h:0", "http://h:99999", "http://h/p?q=1"}) {
    EXPECT_FALSE(parse_base_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace sy::routing::http
