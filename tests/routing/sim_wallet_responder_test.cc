// The wallet simulator without sockets: its configuration's errors, the fail rules, idempotency
// on the switch's id, async completion and status queries, and faults.
#include "routing/sim/wallet_responder.h"

#include <gtest/gtest.h>

#include "routing/http/provider_signature.h"
#include "tests/routing/wallet_test_support.h"

namespace sy::routing::sim {
namespace {

constexpr std::int64_t now_s = 1700000000;

wallet_config config_with(std::string_view toml) {
  wallet_config c;
  const auto errors = parse_wallet_config(
      "secret = \"" + testing::wallet_secret_hex + "\"\n" + std::string(toml), "test.toml", c);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return c;
}

// A signed request as the switch sends it.
struct signed_request {
  std::string method, target, timestamp = std::to_string(now_s), nonce = "nonce-nonce-nonce-1",
                              signature, body;
  wallet_http_request view() const { return {method, target, timestamp, nonce, signature, body}; }
};

signed_request make(std::string method, std::string target, std::string body) {
  signed_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  const auto secret = hsm::from_hex(testing::wallet_secret_hex);
  r.signature = *http::sign_with_secret(
      {secret->data(), secret->size()},
      http::string_to_sign(http::request_parts{r.timestamp, r.nonce, r.method, r.target, r.body}));
  return r;
}

signed_request charge(std::string id, std::int64_t amount) {
  return make("POST", "/charges",
              *http::request_body({http::operation::charge,
                                   std::move(id),
                                   "",
                                   {amount, *protocol::find_currency("CNY")},
                                   "alipay",
                                   "a@b",
                                   "m1",
                                   ""}));
}

http::provider_object object_of(const wallet_answer& a) {
  auto o = http::parse_object(a.body);
  EXPECT_TRUE(o) << a.body;
  return o ? *o : http::provider_object{};
}

TEST(SimWalletConfig, ReportsEveryProblemWithoutQuotingTheSecret) {
  wallet_config c;
  const auto errors = parse_wallet_config(
      "secret = \"abcd\"\nmode = \"later\"\nbogus = 1\n[faults]\ntimeout_rate = 0.7\n"
      "server_error_rate = 0.5\n[[rules.fail_amount]]\nsuffix = \"x\"\nreason = \"nope\"\n",
      "w.toml", c);
  const auto has = [&](std::string_view text) {
    for (const auto& e : errors) {
      if (e.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("bogus: unknown key"));
  EXPECT_TRUE(has("mode: \"later\""));
  EXPECT_TRUE(has("secret: is not hex"));
  EXPECT_FALSE(has("abcd"));
  EXPECT_TRUE(has("faults: the rates add up"));
  EXPECT_TRUE(has("rules.fail_amount[0].suffix"));
  EXPECT_TRUE(has("rules.fail_amount[0].reason"));
  wallet_config async;
  EXPECT_FALSE(
      parse_wallet_config("secret = \"" + testing::wallet_secret_hex + "\"\nmode = \"async\"\n",
                          "a.toml", async)
          .empty());  // async needs a callback_url
}

TEST(SimWallet, ChargesByRulesAndFailsAmountsEndingInAPattern) {
  wallet_responder wallet(config_with(""));
  const auto ok = wallet.answer(charge("pay_1", 1000).view(), now_s);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(object_of(ok).status, http::provider_status::succeeded);
  const auto poor = wallet.answer(charge("pay_2", 1051).view(), now_s);
  EXPECT_EQ(object_of(poor).status, http::provider_status::failed);
  EXPECT_EQ(object_of(poor).failure_reason, "insufficient_funds");
}

TEST(SimWallet, AnswersAreSignedOverTheRequestNonce) {
  wallet_responder wallet(config_with(""));
  const auto request = charge("pay_1", 1000);
  const auto a = wallet.answer(request.view(), now_s);
  const auto secret = hsm::from_hex(testing::wallet_secret_hex);
  const auto parts =
      http::string_to_sign(http::answer_parts{a.timestamp, request.nonce, "200", a.body});
  EXPECT_TRUE(http::verify_with_secret({secret->data(), secret->size()}, http::answer_span(parts),
                                       a.signature));
}

TEST(SimWallet, RefusesBadSignaturesAndStaleTimestamps) {
  wallet_responder wallet(config_with(""));
  auto request = charge("pay_1", 1000);
  request.body += " ";
  EXPECT_EQ(wallet.answer(request.view(), now_s).status, 401u);
  EXPECT_EQ(wallet.answer(charge("pay_1", 1000).view(), now_s + 301).status, 401u);
  EXPECT_EQ(wallet.stats().charges, 0u);
}

TEST(SimWallet, IsIdempotentOnTheSwitchRequestId) {
  wallet_responder wallet(config_with(""));
  const auto first = wallet.answer(charge("pay_1", 1000).view(), now_s);
  const auto again = wallet.answer(charge("pay_1", 1000).view(), now_s);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(wallet.stats().charges, 1u);
  EXPECT_EQ(wallet.stats().replays, 1u);
  EXPECT_EQ(wallet.answer(charge("pay_1", 2000).view(), now_s).status, 409u);
}

TEST(SimWallet, RefundsOnlyWhatASucceededChargeHasLeft) {
  wallet_responder wallet(config_with(""));
  wallet.answer(charge("pay_1", 1000).view(), now_s);
  const auto cny = *protocol::find_currency("CNY");
  const auto refund = [&](std::string id, std::int64_t amount, std::string of) {
    return object_of(wallet.answer(make("POST", "/refunds",
                                        *http::request_body({http::operation::refund,
                                                             std::move(id),
                                                             std::move(of),
                                                             {amount, cny},
                                                             "",
                                                             "",
                                                             "m1",
                                                             "r"}))
                                       .view(),
                                   now_s));
  };
  EXPECT_EQ(refund("re_1", 600, "pay_1").status, http::provider_status::succeeded);
  EXPECT_EQ(refund("re_2", 600, "pay_1").failure_reason, "amount_limit_exceeded");
  EXPECT_EQ(refund("re_3", 100, "pay_9").failure_reason, "do_not_honor");
}

TEST(SimWallet, AsyncAcceptsThenCompletesWithASignedCallback) {
  wallet_responder wallet(
      config_with("mode = \"async\"\ncallback_url = \"http://127.0.0.1:9/cb\"\n"
                  "callback_delay_ms = 5\n"));
  const auto a = wallet.answer(charge("pay_1", 1000).view(), now_s);
  EXPECT_EQ(a.status, 202u);
  ASSERT_TRUE(a.completion);
  EXPECT_EQ(a.completion->delay, std::chrono::milliseconds(5));
  EXPECT_EQ(object_of(wallet.answer(make("GET", "/charges/pay_1", "").view(), now_s)).status,
            http::provider_status::pending);
  const auto callback = wallet.complete(http::operation::charge, "pay_1", now_s);
  ASSERT_TRUE(callback);
  EXPECT_EQ(callback->path, "/cb");
  testing::wallet_hsm hsm;
  const auto verified =
      http::verify_callback(hsm.backend(), testing::wallet_key,
                            {"POST", callback->path, callback->timestamp, callback->nonce,
                             callback->signature, callback->body},
                            std::chrono::sys_seconds(std::chrono::seconds(now_s)));
  ASSERT_TRUE(verified) << verified.error().message();
  EXPECT_EQ(verified->status, http::provider_status::succeeded);
  EXPECT_EQ(wallet.answer(make("GET", "/charges/pay_1", "").view(), now_s).status, 200u);
  EXPECT_EQ(wallet.answer(make("GET", "/charges/pay_2", "").view(), now_s).status, 404u);
}

TEST(SimWallet, FaultsFollowTheirRates) {
  wallet_responder timeouts(config_with("[faults]\ntimeout_rate = 1\n"));
  EXPECT_FALSE(timeouts.answer(charge("pay_1", 1000).view(), now_s).respond);
  EXPECT_EQ(timeouts.stats().charges, 1u);  // processed, unanswered
  wallet_responder errors(config_with("[faults]\nserver_error_rate = 1\n"));
  EXPECT_EQ(errors.answer(charge("pay_1", 1000).view(), now_s).status, 500u);
  EXPECT_EQ(errors.answer(make("GET", "/charges/pay_1", "").view(), now_s).status, 404u);
  wallet_responder malformed(config_with("[faults]\nmalformed_rate = 1\n"));
  EXPECT_FALSE(http::parse_object(malformed.answer(charge("pay_1", 1000).view(), now_s).body));
  wallet_responder lost(
      config_with("mode = \"async\"\ncallback_url = \"http://127.0.0.1:9/cb\"\n"
                  "[faults]\nlost_callback_rate = 1\n"));
  lost.answer(charge("pay_1", 1000).view(), now_s);
  EXPECT_FALSE(lost.complete(http::operation::charge, "pay_1", now_s));
  EXPECT_EQ(lost.stats().callbacks_lost, 1u);
  EXPECT_EQ(object_of(lost.answer(make("GET", "/charges/pay_1", "").view(), now_s)).status,
            http::provider_status::succeeded);
}

}  // namespace
}  // namespace sy::routing::sim
