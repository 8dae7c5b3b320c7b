// A fixture for tests that run the switch process beside the simulated bank process: a directory
// per test, the switch's configuration (store and soft key store inside it, one ISO 8583 channel
// "bank" pointing at the simulator; both listeners on ports the kernel picks, with a certificate
// made for the test), its keys, and starting both.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/background_process.h"
#include "tests/integration/merchant_client.h"

namespace sy::testing {

// The test card: approved by the simulator's default rules; never in an answer or a log.
inline constexpr const char* test_pan = "4111111111111111";

class SwitchWithBank : public ::testing::Test {
 protected:
  // The variable holding the soft key store's master key.
  static constexpr const char* master_variable = "SY_SWITCH_TEST_MASTER";

  void SetUp() override;
  void TearDown() override;

  std::filesystem::path config_path() const { return dir_ / "switchyard.toml"; }
  std::filesystem::path store_path() const { return dir_ / "store"; }
  std::filesystem::path keys_path() const { return dir_ / "keys"; }

  // A simulated bank listening on `listen` with `sim_config` as its file (nullptr: no file, its
  // development default). Sets bank_port_ from its "listening" line.
  std::unique_ptr<background_process> start_bank(const std::string& listen,
                                                 const std::string* sim_config);

  // The switch's configuration, its channel "bank" at 127.0.0.1:bank_port_ (connect 1 s,
  // requests 500 ms) with the TOML lines `channel_extra` added to the channel.
  void write_config(const std::string& channel_extra);

  // `switchyard keys --config FILE ARGS` for each of `commands`: init, then the PAN keys, then
  // `more` (e.g. an import); fails the test on any non-zero exit.
  void make_keys(const std::vector<std::vector<std::string>>& more = {});

  // `switchyard run --config FILE`, once it says it is running; sets merchant_port_ and
  // admin_port_ from what it says.
  std::unique_ptr<background_process> start_switch();

  // The [[merchants]] table of `id` with its API keys, whose secrets it puts in the environment
  // (SY_TEST_SECRET_<key id>) for the configuration to name; `keys_before` go in the merchant's
  // own table, `extra` (sub-tables) after its API keys.
  static std::string merchant_toml(const std::string& id, const std::vector<merchant_key>& keys,
                                   const std::string& extra, const std::string& keys_before = {});

  // merchant_toml of `id` with `key` and a rate limit no test reaches, and a route of its cards
  // to the channel "bank".
  static std::string unlimited_merchant_toml(const std::string& id, const merchant_key& key);

  // Waits (at most 10 s) for the running switch's /readyz to answer 200.
  void wait_ready();

  // The certificate write_config made, which the merchant API presents.
  std::string ca_path() const { return (dir_ / "cert.pem").string(); }

  // One signed request on a fresh connection to the merchant API; the answer's Sy-Signature is
  // checked when `expect_signed`, and no answer may show the test card's number.
  http_reply call(const merchant_key& key, signed_parts parts, bool expect_signed = true);
  http_reply post(const merchant_key& key, const std::string& path, const std::string& body,
                  const std::string& idempotency_key) {
    return call(key, {"POST", path, body, idempotency_key});
  }
  http_reply get(const merchant_key& key, const std::string& path) {
    return call(key, {"GET", path, "", std::nullopt});
  }

  // Stops switch_ (if running) with SIGTERM: it must exit cleanly, its log without the test card.
  void stop_switch();

  std::filesystem::path dir_;
  // The processes a test keeps running to its end; TearDown stops the switch, then the bank.
  std::unique_ptr<background_process> bank_;
  std::unique_ptr<background_process> switch_;
  std::uint16_t bank_port_ = 0;
  std::uint16_t merchant_port_ = 0;
  std::uint16_t admin_port_ = 0;
};

}  // namespace sy::testing
