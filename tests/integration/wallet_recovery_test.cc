// A wallet payment whose result does not come with the answer (an asynchronous provider whose
// callback is lost) is answered `pending` and then ended by the switch's status queries:
// retrievable as captured, while a retry with its key still replays the answer first given.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "tests/integration/merchant_client.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

const merchant_key merchant{"key_w1", std::string(40, 'w')};
const std::string wallet_secret(64, 'a');  // hex: 32 bytes

std::string status_of(const http_reply& r) {
  return std::string(boost::json::parse(r.body).at("status").as_string());
}

class WalletRecovery : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    const std::string plain_bank;
    bank_ = start_bank("127.0.0.1:0", &plain_bank);
    // Asynchronous, and its callbacks go nowhere: only a status query can end a payment.
    wallet_ = std::make_unique<background_process>(std::vector<std::string>{
        switchyard_binary(), "sim", "wallet", "--listen", "127.0.0.1:0", "--secret", wallet_secret,
        "--mode", "async", "--callback-url", "http://127.0.0.1:1/lost"});
    const std::string listening = wallet_->read_line();
    ASSERT_TRUE(listening.starts_with("listening 127.0.0.1:")) << listening;
    const std::string port = listening.substr(listening.rfind(':') + 1);

    ::setenv("SY_TEST_SECRET_key_w1", merchant.secret.c_str(), 1);
    ::setenv("SY_TEST_WALLET_SECRET", wallet_secret.c_str(), 1);
    write_config(
        "[[channels]]\nid = \"wallet\"\nkind = \"http\"\nbase_url = \"http://127.0.0.1:" + port +
        "\"\nsigning_key = \"wallet_signing\"\nrequest_timeout_ms = 300\n"
        "[[merchants]]\nid = \"w1\"\nname = \"w1\"\nmcc = \"5812\"\n"
        "[[merchants.api_keys]]\nid = \"key_w1\"\nsecret = \"env:SY_TEST_SECRET_key_w1\"\n"
        "[[routes]]\nid = \"wallets\"\nmethods = [\"wallet\"]\nchannels = [\"wallet\"]\n");
    make_keys({{"import", "wallet_signing", "--type", "api_secret", "--size", "32", "--clear",
                "env:SY_TEST_WALLET_SECRET"}});
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    ca_ = (dir_ / "cert.pem").string();
  }

  void TearDown() override {
    stop_switch();  // before the wallet it would miss
    if (wallet_) wallet_->stop(SIGTERM);
    SwitchWithBank::TearDown();
  }

  http_reply call(const signed_parts& parts) {
    tls_connection c(merchant_port_, ca_);
    EXPECT_TRUE(c.connected());
    c.send(signed_request(merchant, parts));
    return c.read();
  }

  std::unique_ptr<background_process> wallet_;
  std::string ca_;
};

TEST_F(WalletRecovery, APendingWalletPaymentIsEndedByAStatusQuery) {
  const std::string body =
      R"({"amount":2500,"currency":"CNY","merchant_reference":"w-1","payment_method":)"
      R"({"type":"wallet","wallet":{"provider":"alipay","account":"buyer@example.com"}}})";
  const auto created = call({"POST", "/v1/payments", body, "wk-1"});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(status_of(created), "pending");
  const std::string id(boost::json::parse(created.body).at("id").as_string());

  // A sweep (every 5 s) once the request timeout and one interval have passed asks the provider.
  std::string status = "pending";
  for (int i = 0; i < 250 && status == "pending"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = status_of(call({"GET", "/v1/payments/" + id, "", {}}));
  }
  EXPECT_EQ(status, "captured");
  // The merchant's answer was `pending`, and a retry replays exactly that answer.
  const auto retry = call({"POST", "/v1/payments", body, "wk-1"});
  EXPECT_EQ(retry.body, created.body);
  EXPECT_NE(plain_get(admin_port_, "/metrics").body.find("sy_wallet_recovered_total 1"),
            std::string::npos);
}

}  // namespace
}  // namespace sy::testing
