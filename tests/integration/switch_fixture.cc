// The switch-beside-the-bank fixture (switch_fixture.h).
#include "tests/integration/switch_fixture.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/integration/process.h"
#include "tests/routing/tls_test_support.h"

namespace sy::testing {

namespace fs = std::filesystem;

namespace {

// The port at the end of the line of `text` that starts with `prefix`; 0 when there is none.
std::uint16_t port_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(text.substr(at + prefix.size())));
}

}  // namespace

void SwitchWithBank::SetUp() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = fs::temp_directory_path() / ("switchyard-" + std::string(test->test_suite_name()) + "-" +
                                      std::to_string(::getpid()) + "-" + test->name());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  ::setenv(master_variable, std::string(64, 'm').c_str(), 1);
}

void SwitchWithBank::TearDown() {
  stop_switch();
  if (bank_) bank_->stop(SIGTERM);
  fs::remove_all(dir_);
}

void SwitchWithBank::stop_switch() {
  if (!switch_) return;
  const auto stopped = switch_->stop(SIGTERM);
  switch_.reset();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.err.find(test_pan), std::string::npos) << "a PAN in the log";
}

std::unique_ptr<background_process> SwitchWithBank::start_bank(const std::string& listen,
                                                               const std::string* sim_config) {
  std::vector<std::string> argv{switchyard_binary(), "sim", "bank", "--listen", listen};
  if (sim_config != nullptr) {
    std::ofstream(dir_ / "sim.toml") << *sim_config;
    argv.insert(argv.end(), {"--config", (dir_ / "sim.toml").string()});
  }
  auto sim = std::make_unique<background_process>(argv);
  const std::string line = sim->read_line();
  EXPECT_TRUE(line.starts_with("listening 127.0.0.1:")) << line;
  if (line.starts_with("listening 127.0.0.1:")) {
    bank_port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  }
  return sim;
}

void SwitchWithBank::write_config(const std::string& channel_extra) {
  routing::test::make_certificate(dir_);
  std::ofstream(config_path()) << "[listeners.merchant_api]\naddress = \"127.0.0.1\"\nport = 0\n"
                               << "[listeners.admin]\naddress = \"127.0.0.1\"\nport = 0\n"
                               << "[tls]\ncertificate_path = \"" << (dir_ / "cert.pem").string()
                               << "\"\nkey_path = \"" << (dir_ / "key.pem").string() << "\"\n"
                               << "[storage]\npath = \"" << store_path().string() << "\"\n"
                               << "[hsm]\nbackend = \"soft\"\n[hsm.soft]\nkey_store_path = \""
                               << keys_path().string()
                               << "\"\nmaster_key = \"env:" << master_variable << "\"\n"
                               << "[[channels]]\nid = \"bank\"\nkind = \"iso8583\"\n"
                               << "endpoints = [\"127.0.0.1:" << bank_port_ << "\"]\n"
                               << "acquirer_id = \"123456\"\nterminal_id = \"T1\"\n"
                               << "card_acceptor_id = \"CA1\"\nconnect_timeout_ms = 1000\n"
                               << "request_timeout_ms = 500\n"
                               << channel_extra;
}

void SwitchWithBank::make_keys(const std::vector<std::vector<std::string>>& more) {
  std::vector<std::vector<std::string>> commands{{"init"},
                                                 {"generate", "pan-token", "--type", "pan_token"},
                                                 {"generate", "pan-data", "--type", "pan_data"}};
  commands.insert(commands.end(), more.begin(), more.end());
  for (const auto& args : commands) {
    std::vector<std::string> argv{switchyard_binary(), "keys", "--config", config_path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_process(argv);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
}

std::unique_ptr<background_process> SwitchWithBank::start_switch() {
  auto process = std::make_unique<background_process>(
      std::vector<std::string>{switchyard_binary(), "run", "--config", config_path().string()});
  const std::string said = process->read_until("switchyard: running");
  EXPECT_NE(said.find("switchyard: running"), std::string::npos) << said;
  merchant_port_ = port_after(said, "switchyard: merchant API listening on 127.0.0.1:");
  admin_port_ = port_after(said, "switchyard: admin listening on 127.0.0.1:");
  return process;
}

std::string SwitchWithBank::unlimited_merchant_toml(const std::string& id,
                                                    const merchant_key& key) {
  return merchant_toml(id, {key},
                       "[merchants.rate_limit]\nrequests_per_s = 100000\nburst = 100000\n") +
         "[[routes]]\nid = \"cards\"\nmethods = [\"card\"]\nchannels = [\"bank\"]\n";
}

void SwitchWithBank::wait_ready() {
  for (int i = 0; i < 200 && plain_get(admin_port_, "/readyz").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string SwitchWithBank::merchant_toml(const std::string& id,
                                          const std::vector<merchant_key>& keys,
                                          const std::string& extra,
                                          const std::string& keys_before) {
  std::string out =
      "[[merchants]]\nid = \"" + id + "\"\nname = \"" + id + "\"\nmcc = \"5812\"\n" + keys_before;
  for (const auto& k : keys) {
    const std::string variable = "SY_TEST_SECRET_" + k.id;
    ::setenv(variable.c_str(), k.secret.c_str(), 1);
    out += "[[merchants.api_keys]]\nid = \"" + k.id + "\"\nsecret = \"env:" + variable + "\"\n";
  }
  return out + extra;
}

http_reply SwitchWithBank::call(const merchant_key& key, signed_parts parts, bool expect_signed) {
  tls_connection c(merchant_port_, ca_path());
  EXPECT_TRUE(c.connected());
  std::string nonce;
  c.send(signed_request(key, parts, &nonce));
  auto reply = c.read();
  if (expect_signed) {
    EXPECT_TRUE(answer_signed_by(key, nonce, reply)) << reply.body;
  }
  EXPECT_EQ(reply.body.find(test_pan), std::string::npos) << "a PAN in an answer";
  return reply;
}

}  // namespace sy::testing
