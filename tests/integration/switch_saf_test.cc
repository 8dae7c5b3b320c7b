// The switch process and the simulated bank over real sockets: a request left without an answer
// by a crash is reversed at the next start, and a reversal the bank never acknowledged survives
// a SIGKILL of the switch and is repeated (0420, never a second 0400) until it is.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "clearing/book.h"
#include "clearing/ids.h"
#include "clearing/store/environment.h"
#include "clearing/store/fingerprint.h"
#include "clearing/store/writer.h"
#include "config/fatal.h"
#include "hsm/pan_protection.h"
#include "hsm/soft_backend.h"
#include "tests/integration/background_process.h"
#include "tests/integration/process.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;
namespace store = clearing::store;
using namespace std::chrono_literals;

constexpr std::string_view pan = "4111111111111111";

// The store as another process sees it, read-only, while the switch may be running.
struct store_view {
  explicit store_view(const fs::path& path) {
    store::environment_options options;
    options.path = path.string();
    options.read_only = true;
    auto opened = store::environment::open(options);
    EXPECT_TRUE(opened) << opened.error().message();
    if (opened) env = std::move(*opened);
  }
  std::unique_ptr<store::environment> env;
};

class SwitchSaf : public SwitchWithBank {
 protected:
  // A sale the switch had sent when it crashed: the "sent" commit with the PAN's ciphertext.
  void seed_unanswered_sale() {
    auto hsm = hsm::soft_backend::open(keys_path().string(), std::getenv(master_variable));
    ASSERT_TRUE(hsm) << hsm.error().message();
    clearing::id_generator ids;
    const auto id = ids.next_text(
        clearing::id_kind::payment,
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    ASSERT_TRUE(id);
    payment_id_ = *id;
    const std::string& payment_id = payment_id_;
    const std::span<const std::uint8_t> aad{
        reinterpret_cast<const std::uint8_t*>(payment_id.data()), payment_id.size()};
    const auto sealed = hsm::protect_pan(**hsm, "pan-token", "pan-data", pan, aad);
    ASSERT_TRUE(sealed) << sealed.error().message();

    const std::chrono::sys_seconds now =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    protocol::create_payment_request request;
    request.amount = protocol::money{1099, *protocol::find_currency("CNY")};
    request.merchant_reference = "order-1";
    request.payment_method = protocol::card_details{std::string(pan), 12, 2030, "123", ""};
    auto payment = clearing::open_payment(payment_id, "m1", request, now);
    ASSERT_TRUE(payment);
    payment->resource.channel = "bank";
    payment->resource.rrn = "900000000001";
    payment->stan = "900001";
    clearing::layout::channel_request sent;
    sent.channel = "bank";
    sent.merchant_id = "m1";
    sent.payment_id = payment_id;
    sent.idempotency_key = "k1";
    sent.mti = "0200";
    sent.stan = "900001";
    sent.rrn = "900000000001";
    sent.amount = request.amount;
    sent.sent_at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    sent.pan_ciphertext.assign(sealed->ciphertext.begin(), sealed->ciphertext.end());
    const clearing::merchant_request merchant{
        "m1", "k1", store::fingerprint("POST", "/v1/payments", "{}"), now, now + 24h, payment_id};

    store::environment_options options;
    options.path = store_path().string();
    auto env = store::environment::open(options);
    ASSERT_TRUE(env) << env.error().message();
    store::writer writer(**env);
    const auto outcome = store::commit_and_wait(
        writer, clearing::sent({merchant, std::nullopt, *payment, std::nullopt, sent}));
    ASSERT_FALSE(outcome.error) << outcome.error.message();
  }

  // Polls the store until `done` holds of it; false after 15 s.
  bool eventually(const std::function<bool(const clearing::book&)>& done) {
    for (auto deadline = std::chrono::steady_clock::now() + 15s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
      store_view view(store_path());
      if (view.env && done(clearing::book(*view.env))) return true;
    }
    return false;
  }

  std::string payment_id_;
};

TEST_F(SwitchSaf, AnUnansweredRequestIsReversedAndTheReversalSurvivesASigkill) {
  // A bank that processes everything and answers nothing: the reversal goes unacknowledged.
  const std::string silent = "[faults]\ntimeout_rate = 1.0\n";
  auto silent_bank = start_bank("127.0.0.1:0", &silent);
  write_config("reversal_retry_base_ms = 300\nreversal_retry_max_ms = 600\n");
  make_keys();
  seed_unanswered_sale();

  auto first = start_switch();
  // Recovery failed the sale and answered its merchant request before the switch said "running".
  {
    store_view view(store_path());
    ASSERT_TRUE(view.env);
    const clearing::book book(*view.env);
    EXPECT_TRUE(book.unanswered()->empty());
    const auto payment = book.payment(payment_id_);
    ASSERT_TRUE(payment);
    EXPECT_EQ(payment->resource.status, protocol::payment_status::failed);
    const auto idempotency = book.idempotency("m1", "k1");
    ASSERT_TRUE(idempotency && *idempotency);
    EXPECT_EQ((*idempotency)->state, clearing::layout::idempotency_state::complete);
  }
  // The first reversal (0400) is committed before it is sent, then the switch dies.
  ASSERT_TRUE(eventually([](const clearing::book& book) {
    const auto due = book.reversals_due();
    return due && due->size() == 1 && (*due)[0].request.attempts >= 1;
  }));
  // The kill may land before the 0400 leaves: the attempt is committed first, which is the point.
  // Either way the next one must be a 0420.
  first->stop(SIGKILL);
  EXPECT_EQ(silent_bank->stop(SIGTERM).exit_code, 0);

  // A bank that answers, on the same port; the restarted switch repeats the reversal as 0420.
  const std::string answering;
  auto bank = start_bank("127.0.0.1:" + std::to_string(bank_port_), &answering);
  auto second = start_switch();
  EXPECT_TRUE(eventually([](const clearing::book& book) {
    const auto due = book.reversals_due();
    return due && due->empty();
  }));
  const auto stopped = second->stop(SIGTERM);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.err.find("\"0400\":0"), std::string::npos) << stopped.err;
  EXPECT_EQ(stopped.err.find("\"0420\":0,"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("\"reversals_acknowledged\":1"), std::string::npos) << stopped.err;
  const auto answered = bank->stop(SIGTERM);
  EXPECT_EQ(answered.exit_code, 0) << answered.err;
}

}  // namespace
}  // namespace sy::testing
