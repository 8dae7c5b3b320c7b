// The merchant API of the real binary over TLS, beside the simulated bank, driven by the tests'
// own client (merchant_client.h): the endpoints, idempotency, authentication, risk limits, the
// admin endpoints, and hostile input, each answered with the spec's status and error code.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/merchant_client.h"
#include "tests/integration/switch_fixture.h"
#include "tests/routing/tls_test_support.h"

namespace sy::testing {
namespace {

namespace json = boost::json;

const merchant_key m1{"key_m1", std::string(40, 'a')};
const merchant_key m1_second{"key_m1_b", std::string(40, 'b')};  // rotation: two active keys
const merchant_key m2{"key_m2", std::string(40, 'c')};
const merchant_key m2_added{"key_m2_added", std::string(40, 'g')};  // configured by a reload
const merchant_key frozen{"key_frozen", std::string(40, 'd')};
const merchant_key limited{"key_limited", std::string(40, 'e')};
const merchant_key pinned{"key_pinned", std::string(40, 'f')};  // needs its client certificate
constexpr const char* pan = test_pan;

std::string card_payment(std::int64_t amount, const std::string& reference, bool capture = true,
                         const std::string& number = pan) {
  return R"({"amount":)" + std::to_string(amount) + R"(,"currency":"CNY","merchant_reference":")" +
         reference + R"(","payment_method":{"type":"card","card":{"number":")" + number +
         R"(","exp_month":12,"exp_year":2030,"cvc":"123"}},"capture":)" +
         (capture ? "true" : "false") + "}";
}

json::object object_of(const http_reply& r) {
  return json::parse(r.body).as_object();
}

std::string error_code_of(const http_reply& r) {
  return std::string(object_of(r).at("error").at("code").as_string());
}

class MerchantApi : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    // A bank simulator without MACs, answering after 2 ms so requests are in flight at a kill.
    const std::string plain_bank = "[latency]\ndistribution = \"fixed\"\nfixed_us = 2000\n";
    bank_ = start_bank("127.0.0.1:0", &plain_bank);
    write_config("");
    client_dir_ = dir_ / "client";
    std::filesystem::create_directories(client_dir_);
    routing::test::make_certificate(client_dir_, "merchant-client");
    std::ofstream(config_path(), std::ios::app)
        << merchant_toml("m1", {m1, m1_second},
                         "[merchants.rate_limit]\nrequests_per_s = 100000\nburst = 100000\n")
        << merchant_toml("m2", {m2}, "")
        << merchant_toml("m_frozen", {frozen}, "[merchants.risk]\nfrozen = true\n")
        << merchant_toml("m_limited", {limited},
                         "[merchants.rate_limit]\nrequests_per_s = 1\nburst = 2\n"
                         "[merchants.risk]\ntransaction_amount_max = { CNY = 100000 }\n"
                         "blocked_bins = [\"400000-400099\"]\n")
        << merchant_toml("m_pinned", {pinned}, "",
                         "client_certificate_sha256 = [\"" +
                             colon_pairs(certificate_sha256((client_dir_ / "cert.pem").string())) +
                             "\"]\n")
        << "[[routes]]\nid = \"cards\"\nmethods = [\"card\"]\nchannels = [\"bank\"]\n";
    make_keys();
    // The environment a reload reads its secrets from is the one the switch started with.
    ::setenv(("SY_TEST_SECRET_" + m2_added.id).c_str(), m2_added.secret.c_str(), 1);
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    wait_ready();
  }

  // "AB:CD:...": the fingerprint as `openssl x509 -fingerprint -sha256` prints it.
  static std::string colon_pairs(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      if (i > 0) out += ':';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
    }
    return out;
  }

  std::filesystem::path client_dir_;  // the pinned merchant's client certificate
};

TEST_F(MerchantApi, ASaleIsCapturedSignedAndShowsOnlyTheCardSummary) {
  const auto created = post(m1, "/v1/payments", card_payment(1099, "order-1"), "k-1");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.at("content-type"), "application/json");
  const auto p = object_of(created);
  EXPECT_EQ(p.at("status").as_string(), "captured");
  EXPECT_EQ(p.at("amount_captured").as_int64(), 1099);
  EXPECT_EQ(p.at("response_code").as_string(), "00");
  const auto& card = p.at("payment_method").at("card").as_object();
  EXPECT_EQ(card.at("brand").as_string(), "visa");
  EXPECT_EQ(card.at("bin").as_string(), "411111");
  EXPECT_EQ(card.at("last4").as_string(), "1111");
  EXPECT_FALSE(card.contains("number"));
  EXPECT_FALSE(card.contains("cvc"));

  const std::string id(p.at("id").as_string());
  const auto read = get(m1, "/v1/payments/" + id);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(object_of(read).at("status").as_string(), "captured");
  // The other key of the same merchant reads it too; another merchant does not see it.
  EXPECT_EQ(get(m1_second, "/v1/payments/" + id).status, 200);
  const auto foreign = get(m2, "/v1/payments/" + id);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(error_code_of(foreign), "resource_missing");

  // Each answer names its request, and the log has that request's line, without the card.
  const std::string request_id = created.headers.at("request-id");
  EXPECT_TRUE(request_id.starts_with("req_") && request_id.size() == 20) << request_id;
  EXPECT_NE(request_id, read.headers.at("request-id"));
  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_NE(stopped.err.find(R"("request_id":")" + request_id +
                             R"(","merchant":"m1","key_id":"key_m1","method":"POST",)"
                             R"("route":"POST /v1/payments","status":201,"replayed":false,)"),
            std::string::npos)
      << stopped.err;
  EXPECT_EQ(stopped.err.find(pan), std::string::npos);
}

TEST_F(MerchantApi, AnIssuerDeclineIsStill201WithItsDeclineCode) {
  const auto r = post(m1, "/v1/payments", card_payment(1051, "order-d"), "k-d");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(object_of(r).at("status").as_string(), "declined");
  EXPECT_EQ(object_of(r).at("decline_code").as_string(), "insufficient_funds");
  const auto capture =
      post(m1, "/v1/payments/" + std::string(object_of(r).at("id").as_string()) + "/capture", "{}",
           "k-d-capture");
  EXPECT_EQ(capture.status, 409);
  EXPECT_EQ(error_code_of(capture), "invalid_state");
}

TEST_F(MerchantApi, AuthorizeCapturePartlyRefundTwiceAndNeverPastTheCaptured) {
  const auto auth = post(m1, "/v1/payments", card_payment(1000, "order-a", false), "k-a");
  ASSERT_EQ(auth.status, 201) << auth.body;
  ASSERT_EQ(object_of(auth).at("status").as_string(), "authorized");
  const std::string path = "/v1/payments/" + std::string(object_of(auth).at("id").as_string());

  const auto captured = post(m1, path + "/capture", R"({"amount":600})", "k-a-c");
  ASSERT_EQ(captured.status, 200) << captured.body;
  EXPECT_EQ(object_of(captured).at("status").as_string(), "captured");
  EXPECT_EQ(object_of(captured).at("amount_captured").as_int64(), 600);
  EXPECT_EQ(post(m1, path + "/capture", "{}", "k-a-c2").status, 409);
  EXPECT_EQ(post(m1, path + "/void", "", "k-a-v").status, 409);

  const auto first = post(m1, path + "/refunds", R"({"amount":200,"reason":"damaged"})", "k-r1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(object_of(first).at("status").as_string(), "succeeded");
  EXPECT_EQ(post(m1, path + "/refunds", R"({"amount":300})", "k-r2").status, 201);
  const auto over = post(m1, path + "/refunds", R"({"amount":101})", "k-r3");
  EXPECT_EQ(over.status, 400) << over.body;
  EXPECT_EQ(object_of(over).at("error").at("param").as_string(), "amount");
  const auto read = object_of(get(m1, path));
  EXPECT_EQ(read.at("status").as_string(), "partially_refunded");
  EXPECT_EQ(read.at("amount_refunded").as_int64(), 500);
}

TEST_F(MerchantApi, AVoidReleasesAnAuthorization) {
  const auto auth = post(m1, "/v1/payments", card_payment(800, "order-v", false), "k-v");
  ASSERT_EQ(auth.status, 201);
  const std::string path = "/v1/payments/" + std::string(object_of(auth).at("id").as_string());
  const auto voided = post(m1, path + "/void", "", "k-v-v");
  ASSERT_EQ(voided.status, 200) << voided.body;
  EXPECT_EQ(object_of(voided).at("status").as_string(), "voided");
}

TEST_F(MerchantApi, ARetryReplaysByteForByteAndAnotherBodyIs422) {
  const auto body = card_payment(1099, "order-i");
  const auto first = post(m1, "/v1/payments", body, "k-i");
  ASSERT_EQ(first.status, 201);
  const auto again = post(m1, "/v1/payments", body, "k-i");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.at("idempotent-replayed"), "true");
  const auto other = post(m1, "/v1/payments", card_payment(1098, "order-i"), "k-i");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(error_code_of(other), "idempotency_key_reused");
  // Keys are scoped to the merchant: m2 may use the same one.
  EXPECT_EQ(post(m2, "/v1/payments", body, "k-i").status, 201);
  const auto missing = call(m1, {"POST", "/v1/payments", body, std::nullopt});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(error_code_of(missing), "idempotency_key_missing");
}

TEST_F(MerchantApi, ParallelRequestsWithOneKeyRunOnce) {
  const auto body = card_payment(1234, "order-p");
  std::vector<http_reply> replies(16);
  std::vector<std::thread> threads;
  for (auto& reply : replies) {
    threads.emplace_back([&] { reply = call(m1, {"POST", "/v1/payments", body, "k-p"}); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.status == 201 || r.status == 409) << r.status << r.body;
    if (r.status == 201) ids.insert(std::string(object_of(r).at("id").as_string()));
    if (r.status == 409) {
      EXPECT_EQ(error_code_of(r), "idempotency_request_in_progress");
    }
  }
  EXPECT_EQ(ids.size(), 1u);
  const auto list = object_of(get(m1, "/v1/payments?merchant_reference=order-p"));
  EXPECT_EQ(list.at("data").as_array().size(), 1u);
}

TEST_F(MerchantApi, ListsByReferenceNewestFirstInPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const auto r =
        post(m1, "/v1/payments", card_payment(100 + i, "order-l"), "k-l" + std::to_string(i));
    ASSERT_EQ(r.status, 201);
    ids.emplace_back(object_of(r).at("id").as_string());
  }
  const auto page = object_of(get(m1, "/v1/payments?merchant_reference=order-l&limit=2"));
  EXPECT_EQ(page.at("object").as_string(), "list");
  ASSERT_EQ(page.at("data").as_array().size(), 2u);
  EXPECT_TRUE(page.at("has_more").as_bool());
  EXPECT_EQ(page.at("data").as_array()[0].at("id").as_string(), ids[2]);
  const auto rest = object_of(
      get(m1, "/v1/payments?merchant_reference=order-l&limit=2&starting_after=" + ids[1]));
  ASSERT_EQ(rest.at("data").as_array().size(), 1u);
  EXPECT_EQ(rest.at("data").as_array()[0].at("id").as_string(), ids[0]);
  EXPECT_FALSE(rest.at("has_more").as_bool());
  EXPECT_TRUE(
      object_of(get(m2, "/v1/payments?merchant_reference=order-l")).at("data").as_array().empty());
}

TEST_F(MerchantApi, RefusesBadSignaturesOldTimestampsAndReusedNonces) {
  const merchant_key wrong{"key_m1", std::string(40, 'z')};
  const auto bad = call(wrong, {"GET", "/v1/payments", "", std::nullopt}, false);
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(error_code_of(bad), "invalid_signature");
  const merchant_key unknown{"key_nobody", std::string(40, 'a')};
  EXPECT_EQ(error_code_of(call(unknown, {"GET", "/v1/payments", "", std::nullopt}, false)),
            "invalid_signature");
  const auto old = call(m1, {"GET", "/v1/payments", "", std::nullopt, std::time(nullptr) - 301});
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(error_code_of(old), "timestamp_out_of_window");
  signed_parts once{"GET", "/v1/payments", "", std::nullopt};
  once.nonce = fresh_nonce();
  EXPECT_EQ(call(m1, once).status, 200);
  const auto replayed = call(m1, once);
  EXPECT_EQ(replayed.status, 401);
  EXPECT_EQ(error_code_of(replayed), "nonce_reused");
}

// The nonce is written with a request's first change, or alone before an answer that changes
// nothing: whichever way a request went, its exact replay is refused, across a restart too.
TEST_F(MerchantApi, AReplayIsRefusedWhateverTheFirstRunDidAndAfterARestart) {
  const auto replay_of = [this](signed_parts parts) {
    parts.nonce = fresh_nonce();
    parts.timestamp = std::time(nullptr);
    const auto first = call(m1, parts);
    const auto again = call(m1, parts);
    EXPECT_EQ(again.status, 401) << parts.method << " " << parts.path;
    EXPECT_EQ(error_code_of(again), "nonce_reused");
    return std::make_pair(first, parts);
  };
  // A payment: its nonce rode in the "sent" commit.
  const auto [created, sale] =
      replay_of({"POST", "/v1/payments", card_payment(700, "order-nonce"), "n-1"});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(object_of(created).at("id").as_string());
  // A refused transition (a sale cannot be captured): its nonce rode in the stored refusal.
  const auto [refused, capture] =
      replay_of({"POST", "/v1/payments/" + id + "/capture", "{}", "n-2"});
  EXPECT_EQ(refused.status, 409) << refused.body;
  // Answers that change nothing: the nonce was written alone before them.
  EXPECT_EQ(replay_of({"POST", "/v1/payments", "{not json", "n-3"}).first.status, 400);
  EXPECT_EQ(replay_of({"GET", "/v1/payments/" + id, "", std::nullopt}).first.status, 200);
  EXPECT_EQ(replay_of({"POST", "/v1/payments", card_payment(700, "order-nonce"), "n-1"})
                .first.headers.at("idempotent-replayed"),
            "true");
  // A concurrent pair with one nonce: one runs, the other is refused for the nonce.
  signed_parts twin{"POST", "/v1/payments", card_payment(701, "order-twin"), "n-4"};
  twin.nonce = fresh_nonce();
  twin.timestamp = std::time(nullptr);
  http_reply answers[2];
  {
    std::jthread a([&] { answers[0] = call(m1, twin); });
    std::jthread b([&] { answers[1] = call(m1, twin); });
  }
  EXPECT_EQ((answers[0].status == 201) + (answers[1].status == 201), 1)
      << answers[0].body << answers[1].body;
  EXPECT_EQ((answers[0].status == 401) + (answers[1].status == 401), 1)
      << answers[0].body << answers[1].body;

  switch_->stop(SIGKILL);
  switch_ = start_switch();
  ASSERT_NE(merchant_port_, 0);
  wait_ready();
  for (const auto& parts : {sale, capture, twin}) {
    const auto after = call(m1, parts);
    EXPECT_EQ(after.status, 401) << parts.path;
    EXPECT_EQ(error_code_of(after), "nonce_reused");
  }
  const auto listed = object_of(get(m1, "/v1/payments?merchant_reference=order-nonce"));
  EXPECT_EQ(listed.at("data").as_array().size(), 1u);
  EXPECT_EQ(
      object_of(get(m1, "/v1/payments?merchant_reference=order-twin")).at("data").as_array().size(),
      1u);
}

TEST_F(MerchantApi, RiskLimitsDeclineWithTheirCodes) {
  const auto frozen_answer = post(frozen, "/v1/payments", card_payment(100, "r-1"), "k-f");
  ASSERT_EQ(frozen_answer.status, 201) << frozen_answer.body;
  EXPECT_EQ(object_of(frozen_answer).at("status").as_string(), "declined");
  EXPECT_EQ(object_of(frozen_answer).at("decline_code").as_string(), "merchant_frozen");
  const auto blocked =
      post(limited, "/v1/payments", card_payment(100, "r-2", true, "4000000000000002"), "k-b");
  EXPECT_EQ(object_of(blocked).at("decline_code").as_string(), "card_blocked");
  const auto large = post(limited, "/v1/payments", card_payment(100001, "r-3"), "k-l");
  EXPECT_EQ(object_of(large).at("decline_code").as_string(), "amount_limit_exceeded");
  // m_limited's bucket (burst 2) is empty now: the next request within the second is refused.
  const auto limited_answer = get(limited, "/v1/payments");
  EXPECT_EQ(limited_answer.status, 429);
  EXPECT_EQ(error_code_of(limited_answer), "rate_limited");
}

TEST_F(MerchantApi, AnswersBadRequestsWithSpecificErrors) {
  EXPECT_EQ(error_code_of(post(m1, "/v1/payments", "{not json", "h-1")), "json_invalid");
  const auto unknown = post(m1, "/v1/payments", R"({"amount":1,"bogus":1})", "h-2");
  EXPECT_EQ(error_code_of(unknown), "parameter_unknown");
  const auto type = post(m1, "/v1/payments", R"({"amount":"12","currency":"CNY"})", "h-3");
  EXPECT_EQ(type.status, 400);
  const auto huge = post(m1, "/v1/payments", card_payment(1, "x").replace(10, 1, "1e400"), "h-4");
  EXPECT_EQ(huge.status, 400);
  EXPECT_EQ(post(m1, "/v1/payments", "{\"merchant_reference\":\"\xff\xfe\"}", "h-5").status, 400);
  const auto media =
      call(m1, {"POST", "/v1/payments", card_payment(1, "x"), "h-6", 0, "", "text/plain"});
  EXPECT_EQ(media.status, 415);
  // Outside /v1 nothing is signed; under it, 404 and 405 come after authentication, signed.
  const auto nowhere = call(m1, {"GET", "/v2/nothing", "", std::nullopt}, false);
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(nowhere.headers.count("sy-signature"), 0u);
  EXPECT_EQ(error_code_of(get(m1, "/v1/refunds")), "resource_missing");
  EXPECT_EQ(call(m2, {"GET", "/v1/refunds", "", std::nullopt}, false).status, 404);
  const auto method = call(m1, {"DELETE", "/v1/payments", "", std::nullopt});
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.headers.at("allow"), "GET, POST");
  // A method is allowed only when it is one of Allow's, not a part of one.
  for (const char* almost : {"GE", "POS", "T", "OST"}) {
    EXPECT_EQ(call(m1, {almost, "/v1/payments", "", std::nullopt}).status, 405) << almost;
  }
  const auto unsigned_key =
      call({"key_nobody", std::string(40, 'z')}, {"GET", "/v1/nothing", "", std::nullopt}, false);
  EXPECT_EQ(error_code_of(unsigned_key), "invalid_signature");
  EXPECT_EQ(get(m1, "/v1/payments/pay_nonsense").status, 404);
  const auto created = post(m1, "/v1/payments", card_payment(1099, "order-q"), "h-7");
  const std::string id(object_of(created).at("id").as_string());
  const auto queried = get(m1, "/v1/payments/" + id + "?expand=card");
  EXPECT_EQ(queried.status, 400);
  EXPECT_EQ(error_code_of(queried), "parameter_unknown");
}

TEST_F(MerchantApi, OversizedAndNonHttpInputIsAnsweredAndTheSwitchServesOn) {
  {
    tls_connection c(merchant_port_, ca_path());
    c.send(signed_request(m1, {"POST", "/v1/payments", std::string(17 * 1024, ' '), "o-1"}));
    const auto r = c.read();
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(error_code_of(r), "body_too_large");
  }
  {
    tls_connection c(merchant_port_, ca_path());
    c.send("GET /v1/payments HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9 * 1024, 'a') +
           "\r\n\r\n");
    const auto r = c.read();
    EXPECT_EQ(r.status, 431) << r.body;
    EXPECT_EQ(error_code_of(r), "header_too_large");
  }
  {
    tls_connection c(merchant_port_, ca_path());
    c.send(std::string("\x16\x03\x01 definitely not HTTP\r\n\r\n"));
    const auto r = c.read();
    EXPECT_TRUE(r.status == 400 || r.status == 0) << r.status;
  }
  {
    tls_connection c(merchant_port_, ca_path());
    c.send("POST /v1/payments HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"amount\"");
  }  // a truncated request, then the client goes away
  EXPECT_EQ(post(m1, "/v1/payments", card_payment(1099, "after"), "o-2").status, 201);
}

TEST_F(MerchantApi, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  tls_connection c(merchant_port_, ca_path());
  std::string nonces[3];
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    bytes += signed_request(
        m1, {"POST", "/v1/payments", card_payment(200 + i, "pipe"), "pipe-" + std::to_string(i)},
        &nonces[i]);
  }
  ASSERT_TRUE(c.send(bytes));
  for (int i = 0; i < 3; ++i) {
    const auto r = c.read();
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(object_of(r).at("amount").as_int64(), 200 + i);
    EXPECT_TRUE(answer_signed_by(m1, nonces[i], r));
  }
}

TEST_F(MerchantApi, ASlowClientIsAnswered408AndDisconnected) {
  tls_connection c(merchant_port_, ca_path());
  c.send("GET /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // headers never finished
  const auto late = c.read(std::chrono::seconds(8));
  EXPECT_EQ(late.status, 408) << late.body;
  EXPECT_EQ(error_code_of(late), "request_timeout");
  EXPECT_TRUE(c.closed_by_server(std::chrono::seconds(2)));
  EXPECT_EQ(get(m1, "/v1/payments").status, 200);
}

TEST_F(MerchantApi, AdminEndpointsReportHealthReadinessAndMetrics) {
  EXPECT_EQ(plain_get(admin_port_, "/healthz").status, 200);
  EXPECT_EQ(plain_get(admin_port_, "/readyz").status, 200);
  ASSERT_EQ(post(m1, "/v1/payments", card_payment(1099, "metrics"), "m-1").status, 201);
  const auto metrics = plain_get(admin_port_, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find("sy_http_requests_total{route=\"POST /v1/payments\",status=\"201\"} 1"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("sy_channel_signed_on{channel=\"bank\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("sy_store_commit_batch_units_count"), std::string::npos);
  EXPECT_EQ(plain_get(admin_port_, "/nothing").status, 404);

  // A payment is two units: "sent" (carrying the request's nonce) and "finished".
  const auto applied = [this] {
    const std::string line = "sy_store_units_total{outcome=\"applied\"} ";
    const auto body = plain_get(admin_port_, "/metrics").body;
    const auto at = body.find(line);
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + line.size()));
  };
  const double before = applied();
  ASSERT_EQ(post(m1, "/v1/payments", card_payment(1099, "metrics"), "m-2").status, 201);
  EXPECT_EQ(applied() - before, 2.0);
}

// SIGHUP: a key added is usable at once on a connection opened before the reload, a channel with
// changed settings is replaced (channel_reload_test.cc has the rest), and an invalid
// configuration is refused with its errors while the running one serves on.
TEST_F(MerchantApi, ReloadsOnSighupWithoutDroppingConnectionsAndKeepsItOnErrors) {
  const signed_parts list{"GET", "/v1/payments", "", {}};
  tls_connection kept(merchant_port_, ca_path());
  ASSERT_TRUE(kept.send(signed_request(m2, list)));
  ASSERT_EQ(kept.read().status, 200);
  EXPECT_EQ(call(m2_added, list, false).status, 401);

  std::string config;
  {
    std::ifstream in(config_path());
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string m2_key = "id = \"key_m2\"\nsecret = \"env:SY_TEST_SECRET_key_m2\"\n";
  ASSERT_NE(config.find(m2_key), std::string::npos);
  config.insert(config.find(m2_key) + m2_key.size(),
                "[[merchants.api_keys]]\nid = \"key_m2_added\"\n"
                "secret = \"env:SY_TEST_SECRET_key_m2_added\"\n");
  const std::string timeout = "request_timeout_ms = 500\n";
  ASSERT_NE(config.find(timeout), std::string::npos);
  config.replace(config.find(timeout), timeout.size(), "request_timeout_ms = 700\n");
  std::ofstream(config_path()) << config;
  switch_->send_signal(SIGHUP);
  const auto said = switch_->read_until("configuration reloaded");
  ASSERT_NE(said.find("switchyard: configuration reloaded"), std::string::npos) << said;
  ASSERT_TRUE(kept.send(signed_request(m2_added, list)));
  EXPECT_EQ(kept.read().status, 200) << "the new key, on the connection opened before";

  std::ofstream(config_path()) << "[listeners.merchant_api]\nport = \"not a port\"\n";
  switch_->send_signal(SIGHUP);
  for (int i = 0; i < 20; ++i) {  // the refusal says nothing on stdout: give it time
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_TRUE(kept.send(signed_request(m2_added, list)));
    ASSERT_EQ(kept.read().status, 200) << "the running configuration stays";
  }
  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_EQ(stopped.exit_code, 0);
  EXPECT_NE(stopped.err.find(R"("event":"channel_changed","channel":"bank")"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find("listeners.merchant_api.port"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find(R"("event":"reload_refused")"), std::string::npos) << stopped.err;
}

// A merchant that pins its client certificates is served only over a connection presenting one;
// others are unaffected by the certificate a client may present.
TEST_F(MerchantApi, APinnedMerchantNeedsItsClientCertificate) {
  const signed_parts list{"GET", "/v1/payments", "", {}};
  const auto ask = [&](const merchant_key& key, const std::filesystem::path& cert_dir) {
    const auto certificate = cert_dir.empty() ? "" : (cert_dir / "cert.pem").string();
    const auto private_key = cert_dir.empty() ? "" : (cert_dir / "key.pem").string();
    tls_connection c(merchant_port_, ca_path(), certificate, private_key);
    EXPECT_TRUE(c.connected());
    std::string nonce;
    c.send(signed_request(key, list, &nonce));
    auto reply = c.read();
    EXPECT_TRUE(answer_signed_by(key, nonce, reply)) << reply.body;
    return reply;
  };
  const auto without = ask(pinned, {});
  EXPECT_EQ(without.status, 401);
  EXPECT_EQ(error_code_of(without), "client_certificate_invalid");
  const auto other = ask(pinned, dir_);  // a valid certificate, but not the pinned one
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(error_code_of(other), "client_certificate_invalid");
  EXPECT_EQ(ask(pinned, client_dir_).status, 200);
  EXPECT_EQ(ask(m1, client_dir_).status, 200);
  EXPECT_EQ(ask(m1, {}).status, 200);
}

// Over its connection bound the switch still answers: a new connection's first request gets 503
// `overloaded` with Retry-After and the connection closes; a freed slot serves again.
TEST_F(MerchantApi, OverItsConnectionLimitANewConnectionIsAnswered503AndClosed) {
  EXPECT_EQ(switch_->stop(SIGTERM).exit_code, 0);
  std::string config;
  {
    std::ifstream in(config_path());
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string section = "[listeners.merchant_api]\n";
  config.insert(config.find(section) + section.size(), "connection_count_max = 2\n");
  std::ofstream(config_path()) << config;
  switch_ = start_switch();
  ASSERT_NE(merchant_port_, 0);

  auto first = std::make_unique<tls_connection>(merchant_port_, ca_path());
  tls_connection second(merchant_port_, ca_path());
  for (tls_connection* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(signed_request(m1, {"GET", "/v1/payments", "", {}})));
    EXPECT_EQ(c->read().status, 200);
  }
  tls_connection third(merchant_port_, ca_path());
  ASSERT_TRUE(third.connected());
  ASSERT_TRUE(third.send(signed_request(m1, {"GET", "/v1/payments", "", {}})));
  const auto shed = third.read();
  EXPECT_EQ(shed.status, 503) << shed.body;
  EXPECT_EQ(error_code_of(shed), "overloaded");
  EXPECT_EQ(shed.headers.at("retry-after"), "1");
  EXPECT_TRUE(third.closed_by_server(std::chrono::seconds(5)));

  first.reset();  // frees a slot
  http_reply served;
  for (int i = 0; i < 100 && served.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    tls_connection again(merchant_port_, ca_path());
    if (again.send(signed_request(m1, {"GET", "/v1/payments", "", {}}))) served = again.read();
  }
  EXPECT_EQ(served.status, 200) << served.body;
  const auto metrics = plain_get(admin_port_, "/metrics").body;
  const std::string shed_line = "sy_http_refused_total{reason=\"connection_limit\"} ";
  const auto at = metrics.find(shed_line);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(metrics[at + shed_line.size()], '0') << "the shed connection is not counted";
}

// SIGKILL under load, 20 times. After each restart: every payment answered 2xx reads back with
// the state it was answered with; a retry of every request of the round (answered or cut off)
// with its key and body gives the answer kept, or runs it now, and never a second payment; and
// the bank requests cut off reach a final state (recovery reverses them through the links'
// store-and-forward, which drains).
TEST_F(MerchantApi, LosesNothingAndDoublesNothingWhenKilledUnderLoad) {
  struct sent_request {
    std::string key;
    std::string body;
    std::optional<http_reply> answer;  // 2xx only
  };
  struct answered_payment {
    std::string id;
    std::string status;
  };
  std::vector<answered_payment> answered;  // over all rounds
  constexpr int rounds = 20;
  constexpr int client_count = 4;
  for (int round = 0; round < rounds; ++round) {
    std::vector<sent_request> sent;
    std::mutex sent_mutex;
    std::vector<std::thread> clients;
    for (int t = 0; t < client_count; ++t) {
      // Each client pays until a request goes unanswered: the kill has come.
      clients.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          const std::string key =
              "crash-" + std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i);
          sent_request r{key, card_payment(100 * (10 + i), key), std::nullopt};  // approved
          tls_connection c(merchant_port_, ca_path());
          http_reply reply;
          if (c.connected() && c.send(signed_request(m1, {"POST", "/v1/payments", r.body, key}))) {
            reply = c.read(std::chrono::seconds(5));
          }
          const bool cut_off = reply.status == 0;
          if (reply.status / 100 == 2) r.answer = std::move(reply);
          const std::lock_guard lock(sent_mutex);
          sent.push_back(std::move(r));
          if (cut_off) return;
        }
      });
    }
    // Kill at a different point of the load each round.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + (37 * round) % 100));
    switch_->stop(SIGKILL);
    for (auto& c : clients) c.join();
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    wait_ready();

    // The checks run on one keep-alive connection.
    tls_connection checker(merchant_port_, ca_path());
    ASSERT_TRUE(checker.connected());
    const auto ask = [&](const signed_parts& parts) {
      EXPECT_TRUE(checker.send(signed_request(m1, parts)));
      return checker.read();
    };
    for (const auto& p : answered) {
      const auto read = ask({"GET", "/v1/payments/" + p.id, "", {}});
      ASSERT_EQ(read.status, 200) << p.id << " " << read.body;
      EXPECT_EQ(object_of(read).at("status").as_string(), p.status) << p.id;
    }
    for (auto& r : sent) {
      auto retry = ask({"POST", "/v1/payments", r.body, r.key});
      // 503 means it did not run (the store or the trace numbers were not ready): retry later.
      for (int i = 0; i < 100 && retry.status == 503; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        retry = ask({"POST", "/v1/payments", r.body, r.key});
      }
      ASSERT_EQ(retry.status, 201) << r.key << " " << retry.body;
      if (r.answer) {
        EXPECT_EQ(retry.body, r.answer->body) << r.key;  // the answer kept
      }
      const auto payment = object_of(retry);
      const std::string status(payment.at("status").as_string());
      // Approved, or cut off at the bank and ended by recovery.
      EXPECT_TRUE(status == "captured" || status == "failed") << r.key << " " << status;
      const std::string id(payment.at("id").as_string());
      EXPECT_EQ(object_of(ask({"GET", "/v1/payments/" + id, "", {}})).at("status").as_string(),
                status)
          << r.key;
      const auto listed = ask({"GET", "/v1/payments?merchant_reference=" + r.key, "", {}});
      EXPECT_EQ(object_of(listed).at("data").as_array().size(), 1u) << r.key;
      answered.push_back({id, status});
    }
  }
  EXPECT_GT(answered.size(), static_cast<std::size_t>(rounds));
  bool drained = false;
  for (int i = 0; i < 200 && !drained; ++i) {
    drained = plain_get(admin_port_, "/metrics")
                  .body.find("sy_link_reversals_pending{channel=\"bank\"} 0") != std::string::npos;
    if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(drained);
}

}  // namespace
}  // namespace sy::testing
