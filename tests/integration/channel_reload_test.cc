// Reloading channels on SIGHUP with the real binary and two simulated banks: a bank channel's
// endpoint moved to the second bank while payments flow, a channel added with the route to it, a
// channel removed (and one kept running until its reversal is acknowledged), and a reload refused
// for a channel that cannot be made. No payment a merchant was answered for is lost or changed,
// none is answered with anything but 201 or (while the channel switches) 503, and the merchant's
// connections carry on.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/merchant_client.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace json = boost::json;

const merchant_key m1{"key_m1", std::string(40, 'a')};

std::string card_payment(int n) {
  return R"({"amount":)" + std::to_string(1000 + n) +
         R"(,"currency":"CNY","merchant_reference":"reload-)" + std::to_string(n) +
         R"(","payment_method":{"type":"card","card":{"number":")" + std::string(test_pan) +
         R"(","exp_month":12,"exp_year":2030,"cvc":"123"}},"capture":true})";
}

// The "approved" count of a simulated bank's totals line.
int approved_by(const process_result& bank) {
  constexpr std::string_view field = R"("approved":)";
  const auto at = bank.err.find(field);
  if (at == std::string::npos) return -1;
  return std::stoi(bank.err.substr(at + field.size()));
}

class ChannelReload : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    // Banks without MACs (a simulator without a file would MAC under the development TAK),
    // answering after 1 ms so that requests are in flight when a link stops.
    const std::string plain_bank = "[latency]\ndistribution = \"fixed\"\nfixed_us = 1000\n";
    bank_ = start_bank("127.0.0.1:0", &plain_bank);
    first_port_ = bank_port_;
    second_bank_ = start_bank("127.0.0.1:0", &plain_bank);
    second_port_ = bank_port_;
    bank_port_ = first_port_;
    write_config("");
    std::ofstream(config_path(), std::ios::app) << unlimited_merchant_toml("m1", m1);
    make_keys();
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    wait_signed_on("bank");
  }

  void TearDown() override {
    stop_switch();
    if (second_bank_) second_bank_->stop(SIGTERM);
    SwitchWithBank::TearDown();
  }

  std::string read_config() const {
    std::ifstream in(config_path());
    return {std::istreambuf_iterator<char>(in), {}};
  }

  // Writes `config`, sends SIGHUP and waits for the switch to say it reloaded.
  void reload(const std::string& config) {
    std::ofstream(config_path()) << config;
    switch_->send_signal(SIGHUP);
    const auto said = switch_->read_until("configuration reloaded");
    ASSERT_NE(said.find("switchyard: configuration reloaded"), std::string::npos) << said;
  }

  // A [[channels]] table `id` at the second bank, with the TOML lines `extra`.
  std::string second_bank_channel(const std::string& id, const std::string& extra) const {
    return "[[channels]]\nid = \"" + id +
           "\"\nkind = \"iso8583\"\nendpoints = [\"127.0.0.1:" + std::to_string(second_port_) +
           "\"]\nacquirer_id = \"123456\"\nterminal_id = \"T2\"\ncard_acceptor_id = \"CA2\"\n"
           "connect_timeout_ms = 1000\n" +
           extra;
  }

  void wait_signed_on(const std::string& channel) {
    const std::string line = "switchyard: channel " + channel + " signed on";
    const auto said = switch_->read_until(line);
    ASSERT_NE(said.find(line), std::string::npos) << said;
  }

  // Every payment answered 201 reads back with the status it was answered with.
  void expect_all_retrievable(const std::map<std::string, std::string>& answered) {
    for (const auto& [id, status] : answered) {
      const auto read = get(m1, "/v1/payments/" + id);
      ASSERT_EQ(read.status, 200) << id;
      EXPECT_EQ(json::parse(read.body).at("status").as_string(), status) << id;
    }
  }

  std::unique_ptr<background_process> second_bank_;
  std::uint16_t first_port_ = 0;
  std::uint16_t second_port_ = 0;
};

// The channel's endpoint moves from the first bank to the second while two merchant connections
// keep paying: the old link signs off and stops before the new one signs on; payments in between
// are answered 503 (nothing done: a retry with the same key pays once) or fail over as unsent,
// and every payment answered 201 reads back as answered.
TEST_F(ChannelReload, MovingABankEndpointUnderTrafficLosesNoPayment) {
  std::atomic<bool> stop{false};
  std::atomic<int> next{0};
  std::mutex mutex;
  std::map<std::string, std::string> answered;  // payment id -> status
  std::vector<std::string> retry;               // idempotency keys answered 503
  std::map<unsigned, int> statuses;
  std::atomic<int> dropped{0};  // connections the switch closed
  const auto pay = [&] {
    tls_connection c(merchant_port_, ca_path());
    while (!stop.load()) {
      const int n = next.fetch_add(1);
      const std::string key = "pay-" + std::to_string(n);
      if (!c.send(signed_request(m1, {"POST", "/v1/payments", card_payment(n), key}))) {
        ++dropped;
        break;
      }
      const auto reply = c.read();
      const std::lock_guard lock(mutex);
      ++statuses[reply.status];
      if (reply.status == 201) {
        const auto p = json::parse(reply.body);
        answered[std::string(p.at("id").as_string())] = std::string(p.at("status").as_string());
      } else if (reply.status == 503) {
        retry.push_back(key);
      }
    }
  };
  std::thread a(pay), b(pay);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto config = read_config();
  const std::string endpoint = "127.0.0.1:" + std::to_string(first_port_);
  ASSERT_NE(config.find(endpoint), std::string::npos);
  config.replace(config.find(endpoint), endpoint.size(),
                 "127.0.0.1:" + std::to_string(second_port_));
  reload(config);
  wait_signed_on("bank");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  stop = true;
  a.join();
  b.join();

  EXPECT_EQ(dropped.load(), 0);
  for (const auto& [status, count] : statuses) {
    EXPECT_TRUE(status == 201 || status == 503) << status << " answered " << count << " times";
  }
  ASSERT_GT(statuses[201], 20);
  expect_all_retrievable(answered);
  const auto record = [&answered](const http_reply& reply) {
    const auto p = json::parse(reply.body);
    answered[std::string(p.at("id").as_string())] = std::string(p.at("status").as_string());
  };
  // A payment answered 503 was not made: its retry pays, once.
  for (const auto& key : retry) {
    const auto n = std::stoi(key.substr(4));
    const auto again = post(m1, "/v1/payments", card_payment(n), key);
    ASSERT_EQ(again.status, 201) << again.body;
    const auto replay = post(m1, "/v1/payments", card_payment(n), key);
    EXPECT_EQ(replay.body, again.body);
    EXPECT_EQ(replay.headers.at("idempotent-replayed"), "true");
    record(again);
  }
  // After the move payments are approved at the second bank.
  const auto after = post(m1, "/v1/payments", card_payment(100000), "after-move");
  ASSERT_EQ(after.status, 201) << after.body;
  EXPECT_EQ(json::parse(after.body).at("status").as_string(), "captured");
  record(after);

  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_EQ(stopped.exit_code, 0);
  EXPECT_NE(stopped.err.find(R"("event":"channel_changed","channel":"bank")"), std::string::npos)
      << stopped.err;
  const auto first = bank_->stop(SIGTERM);
  bank_.reset();
  const auto second = second_bank_->stop(SIGTERM);
  second_bank_.reset();
  // Both banks approved payments, between them every captured one and, at most, those that
  // failed after the bank approved them (timed out, then reversed).
  int captured = 0;
  int failed = 0;
  int declined = 0;  // by the simulator's rules for some amounts
  for (const auto& [id, status] : answered) {
    captured += status == "captured" ? 1 : 0;
    failed += status == "failed" ? 1 : 0;
    declined += status == "declined" ? 1 : 0;
  }
  EXPECT_EQ(captured + failed + declined, static_cast<int>(answered.size()));
  EXPECT_GT(approved_by(first), 0) << first.err;
  EXPECT_GT(approved_by(second), 0) << second.err;
  EXPECT_GE(approved_by(first) + approved_by(second), captured);
  EXPECT_LE(approved_by(first) + approved_by(second), captured + failed);
}

// A channel is added with the route moved to it, then the old channel is removed: payments go to
// the new bank at once, the old link stops once nothing uses it, and a payment made on the
// removed channel can no longer be refunded through it.
TEST_F(ChannelReload, AChannelIsAddedWithItsRouteAndTheOldOneRemoved) {
  const auto before = post(m1, "/v1/payments", card_payment(1), "before");
  ASSERT_EQ(before.status, 201) << before.body;
  const std::string on_old(json::parse(before.body).at("id").as_string());

  auto config = read_config();
  const std::string route = "channels = [\"bank\"]";
  ASSERT_NE(config.find(route), std::string::npos);
  config.replace(config.find(route), route.size(), "channels = [\"bank2\"]");
  config += second_bank_channel("bank2", "request_timeout_ms = 500\n");
  reload(config);
  wait_signed_on("bank2");
  const auto moved = post(m1, "/v1/payments", card_payment(2), "moved");
  ASSERT_EQ(moved.status, 201) << moved.body;
  EXPECT_EQ(json::parse(moved.body).at("status").as_string(), "captured");
  EXPECT_EQ(json::parse(moved.body).at("channel").as_string(), "bank2");

  const auto bank_table = config.find("[[channels]]\nid = \"bank\"\n");
  ASSERT_NE(bank_table, std::string::npos);
  const auto bank_end = config.find("[[", bank_table + 2);
  config.erase(bank_table, bank_end - bank_table);
  reload(config);
  const auto refund = post(m1, "/v1/payments/" + on_old + "/refunds", R"({"amount":100})", "r1");
  EXPECT_EQ(refund.status, 409) << refund.body;
  const auto read = get(m1, "/v1/payments/" + on_old);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(json::parse(read.body).at("status").as_string(), "captured");

  // The removed link signs off and stops while the switch runs on: its metrics go.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto metrics = plain_get(admin_port_, "/metrics");
    ASSERT_EQ(metrics.status, 200);
    gone = metrics.body.find(R"(sy_link_timeouts_total{channel="bank"})") == std::string::npos;
  }
  EXPECT_TRUE(gone);
  const auto first = bank_->stop(SIGTERM);
  bank_.reset();
  EXPECT_EQ(approved_by(first), 1) << first.err;
  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_EQ(stopped.exit_code, 0);
  EXPECT_NE(stopped.err.find(R"("event":"channel_added","channel":"bank2")"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find(R"("event":"channel_removed","channel":"bank")"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find(R"("event":"stopped","channel":"bank",)"), std::string::npos)
      << stopped.err;
}

// A removed bank channel with a reversal its bank has not acknowledged runs on until it is: the
// reversal is not lost with the channel.
TEST_F(ChannelReload, ARemovedChannelRunsUntilItsReversalsAreAcknowledged) {
  // The second bank answers nothing, reversals included.
  second_bank_->stop(SIGTERM);
  const std::string silent = "[faults]\ntimeout_rate = 1.0\n";
  second_bank_ = start_bank("127.0.0.1:" + std::to_string(second_port_), &silent);
  const auto original = read_config();
  auto config = original;
  const std::string route = "channels = [\"bank\"]";
  config.replace(config.find(route), route.size(), "channels = [\"flaky\"]");
  config += second_bank_channel("flaky",
                                "request_timeout_ms = 300\nreversal_retry_base_ms = 100\n"
                                "reversal_retry_max_ms = 200\n");
  reload(config);
  wait_signed_on("flaky");
  const auto timed_out = post(m1, "/v1/payments", card_payment(1), "timed-out");
  ASSERT_EQ(timed_out.status, 201) << timed_out.body;
  EXPECT_EQ(json::parse(timed_out.body).at("status").as_string(), "failed");

  reload(original);  // flaky removed, the route back on bank
  const auto pending = [this] {
    const auto metrics = plain_get(admin_port_, "/metrics");
    return metrics.body.find(R"(sy_link_reversals_pending{channel="flaky"} 1)") !=
           std::string::npos;
  };
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(pending()) << "the removed link keeps its unacknowledged reversal";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto paid = post(m1, "/v1/payments", card_payment(2), "on-bank");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(json::parse(paid.body).at("channel").as_string(), "bank");

  // The bank comes back answering: the reversal is acknowledged and the link ends.
  second_bank_->stop(SIGTERM);
  const std::string answering = "[latency]\ndistribution = \"fixed\"\nfixed_us = 1000\n";
  second_bank_ = start_bank("127.0.0.1:" + std::to_string(second_port_), &answering);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    gone = plain_get(admin_port_, "/metrics").body.find(R"(channel="flaky")") == std::string::npos;
  }
  EXPECT_TRUE(gone);
  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_NE(stopped.err.find(R"("event":"draining","channel":"flaky")"), std::string::npos)
      << stopped.err;
  EXPECT_NE(stopped.err.find(R"("channel":"flaky","requests")"), std::string::npos);
  EXPECT_NE(stopped.err.find(R"("reversals_acknowledged":1,"reversals_pending":0})"),
            std::string::npos)
      << stopped.err;
}

// A new channel whose TLS files do not load refuses the whole reload, naming the channel: the
// route change in the same file does not happen either.
TEST_F(ChannelReload, ANewChannelThatCannotBeMadeRefusesTheReload) {
  std::ofstream(dir_ / "not-a-certificate.pem") << "not a certificate\n";
  auto config = read_config();
  const std::string route = "channels = [\"bank\"]";
  config.replace(config.find(route), route.size(), "channels = [\"bank3\"]");
  config += second_bank_channel("bank3", "[channels.tls]\nenabled = true\nca_path = \"" +
                                             (dir_ / "not-a-certificate.pem").string() + "\"\n");
  std::ofstream(config_path()) << config;
  switch_->send_signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a refusal says nothing on stdout
  const auto paid = post(m1, "/v1/payments", card_payment(1), "still-bank");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(json::parse(paid.body).at("channel").as_string(), "bank");

  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_EQ(stopped.exit_code, 0);
  EXPECT_NE(stopped.err.find(R"("event":"reload_refused","channel":"bank3")"), std::string::npos)
      << stopped.err;
  EXPECT_EQ(stopped.err.find("channel_added"), std::string::npos) << stopped.err;
}

}  // namespace
}  // namespace sy::testing
