// The bank simulator's TOML configuration: every key read, and each problem named by key, value
// and bound.
#include "routing/sim/bank_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "hsm/primitives.h"
#include "routing/sim/development_tak.h"

namespace sy::routing::sim {
namespace {

std::vector<std::string> parse(const std::string& text, bank_config& out) {
  return parse_bank_config(text, "sim.toml", out);
}

bool has_error(const std::vector<std::string>& errors, const std::string& text) {
  for (const auto& e : errors) {
    if (e == text) return true;
  }
  return false;
}

TEST(SimBankConfig, DefaultsAreValid) {
  bank_config defaults;
  EXPECT_TRUE(validate(defaults).empty());
  EXPECT_TRUE(defaults.mac.key_bytes.empty()) << "no MAC unless configured";
  bank_config c;
  EXPECT_TRUE(parse("", c).empty());
  EXPECT_EQ(c.rules.decline_amount.size(), 6u);
  EXPECT_TRUE(c.mac.key_bytes.empty());
}

TEST(SimBankConfig, TheDevelopmentConfigMacsUnderTheDevelopmentTak) {
  bank_config c = development_bank_config();
  ASSERT_TRUE(validate(c).empty());
  ASSERT_EQ(c.mac.key_bytes.size(), 16u);
  EXPECT_EQ(c.mac.algorithm, hsm::default_algorithm(hsm::key_type::tak));
  EXPECT_EQ(c.mac.algorithm, development_tak_algorithm);
  const auto kcv = hsm::primitives::kcv(c.mac.algorithm, c.mac.key_bytes.view());
  ASSERT_TRUE(kcv);
  EXPECT_EQ(*kcv, development_tak_kcv) << "the published check value must match the key";
}

TEST(SimBankConfig, ReadsTheMacTableFromHexOrTheEnvironment) {
  bank_config c;
  ASSERT_TRUE(parse("[mac]\nkey = \"00112233445566778899AABBCCDDEEFF\"\n", c).empty());
  EXPECT_EQ(c.mac.algorithm, hsm::key_algorithm::tdes);
  EXPECT_EQ(hsm::to_hex(c.mac.key_bytes.view()), "00112233445566778899AABBCCDDEEFF");

  ::setenv("SY_SIM_CONFIG_TEST_TAK", std::string(64, 'a').c_str(), 1);
  bank_config aes;
  ASSERT_TRUE(
      parse("[mac]\nkey = \"env:SY_SIM_CONFIG_TEST_TAK\"\nalgorithm = \"aes\"\n", aes).empty());
  EXPECT_EQ(aes.mac.algorithm, hsm::key_algorithm::aes);
  EXPECT_EQ(aes.mac.key_bytes.size(), 32u);
  ::unsetenv("SY_SIM_CONFIG_TEST_TAK");
}

TEST(SimBankConfig, MacErrorsNameKeyProblemAndBoundNeverTheKey) {
  const std::string key = "00112233445566778899AABBCCDDEE";  // 15 bytes
  bank_config c;
  const auto parse = [&c](const std::string& text) {
    c = bank_config{};
    return parse_bank_config(text, "sim.toml", c);
  };
  auto errors = parse("[mac]\nkey = \"" + key + "\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "mac.key: is not hex of 16 bytes (algorithm tdes)");
  errors = parse("[mac]\nkey = \"" + key + "zz\"\nalgorithm = \"aes\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "mac.key: is not hex of 16, 24 or 32 bytes (algorithm aes)");
  for (const auto& e : errors) EXPECT_EQ(e.find(key), std::string::npos) << e;

  ::unsetenv("SY_SIM_CONFIG_TEST_UNSET");
  errors = parse("[mac]\nkey = \"env:SY_SIM_CONFIG_TEST_UNSET\"\n");
  EXPECT_TRUE(
      has_error(errors, "mac.key: environment variable \"SY_SIM_CONFIG_TEST_UNSET\" is not set"));
  errors = parse("[mac]\nkey = \"" + key + "00\"\nalgorithm = \"hmac_sha256\"\n");
  EXPECT_TRUE(
      has_error(errors, "mac.algorithm: \"hmac_sha256\" is not one of \"tdes\", \"aes\", \"sm4\""));
  errors = parse("[mac]\nalgorithm = \"tdes\"\nkye = \"00\"\n");
  EXPECT_TRUE(has_error(errors, "mac.kye: unknown key"));
  EXPECT_TRUE(has_error(errors, "mac.key: required in [mac]: the TAK as hex or env:NAME"));
  errors = parse("mac = \"on\"\n");
  EXPECT_TRUE(has_error(errors, "mac: expected a table"));
}

TEST(SimBankConfig, ReadsEveryKey) {
  bank_config c;
  const auto errors = parse(R"(
listen = "0.0.0.0:9583"
framing = "ascii4"
frame_size_max = 4096
seed = 99
[latency]
distribution = "exponential"
mean_us = 2000
[faults]
timeout_rate = 0.01
disconnect_rate = 0.001
malformed_rate = 0
[rules]
amount_limit = 100000
[[rules.decline_amount]]
suffix = "99"
response_code = "05"
[[rules.decline_card]]
pan = "4000000000000002"
response_code = "14"
[settlement]
dir = "/tmp/bank"
channel = "bank_a"
business_date = "2026-11-21"
[settlement.discrepancies]
missing = 1
extra = 2
wrong_amount = 3
duplicate = 4
)",
                            c);
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(c.listen, "0.0.0.0:9583");
  EXPECT_EQ(c.framing, protocol::iso8583::framing::ascii4);
  EXPECT_EQ(c.frame_size_max, 4096);
  EXPECT_EQ(c.seed, 99u);
  EXPECT_EQ(c.latency.distribution, latency_distribution::exponential);
  EXPECT_EQ(c.latency.mean_us, 2000);
  EXPECT_DOUBLE_EQ(c.faults.timeout_rate, 0.01);
  EXPECT_DOUBLE_EQ(c.faults.disconnect_rate, 0.001);
  EXPECT_EQ(c.rules.amount_limit, 100000);
  ASSERT_EQ(c.rules.decline_amount.size(), 1u);
  EXPECT_EQ(c.rules.decline_amount[0].suffix, "99");
  ASSERT_EQ(c.rules.decline_card.size(), 1u);
  EXPECT_EQ(c.rules.decline_card[0].response_code, "14");
  EXPECT_EQ(c.settlement.channel, "bank_a");
  EXPECT_EQ(c.settlement.discrepancies.duplicate, 4);
}

TEST(SimBankConfig, ErrorsNameKeyValueAndBound) {
  bank_config c;
  const auto errors = parse(R"(
listen = "nowhere"
frame_size_max = 100
[latency]
max_us = 999999999999
[faults]
timeout_rate = 1.5
[[rules.decline_amount]]
suffix = "5x"
response_code = "00"
[settlement.discrepancies]
missing = -1
)",
                            c);
  EXPECT_TRUE(has_error(errors, "listen: \"nowhere\" is not HOST:PORT with a port 0 to 65535"));
  EXPECT_TRUE(has_error(errors, "frame_size_max: 100 is below the minimum 512"));
  EXPECT_TRUE(has_error(errors, "latency.max_us: 999999999999 is above the maximum 120000000"));
  EXPECT_TRUE(has_error(errors, "faults.timeout_rate: 1.5 is above the maximum 1"));
  EXPECT_TRUE(has_error(errors, "faults: the rates add up to 1.5, above the maximum 1"));
  EXPECT_TRUE(has_error(errors, "rules.decline_amount[0].suffix: \"5x\" is not 1 to 12 digits"));
  EXPECT_TRUE(has_error(errors,
                        "rules.decline_amount[0].response_code: \"00\" is not a decline "
                        "code (2 letters or digits, not \"00\")"));
  EXPECT_TRUE(has_error(errors, "settlement.discrepancies.missing: -1 is below the minimum 0"));
}

TEST(SimBankConfig, UnknownKeysWrongTypesAndSyntaxAreReported) {
  bank_config c;
  auto errors = parse("sed = 1\n[faults]\ntimeout_rate = \"high\"\n", c);
  EXPECT_TRUE(has_error(errors, "sed: unknown key"));
  EXPECT_TRUE(has_error(errors, "faults.timeout_rate: expected a number from 0 to 1"));
  errors = parse("framing = \"none\"\n[latency]\ndistribution = \"normal\"\n", c);
  EXPECT_TRUE(has_error(errors, "framing: \"none\" is not one of \"binary2\", \"ascii4\""));
  EXPECT_TRUE(has_error(errors,
                        "latency.distribution: \"normal\" is not one of \"fixed\", \"uniform\", "
                        "\"exponential\""));
  errors = parse("listen = \n", c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("sim.toml:1:")) << errors[0];
}

TEST(SimBankConfig, CardNumbersAreNeverEchoedInErrors) {
  bank_config c;
  const auto errors = parse(
      "[[rules.decline_card]]\npan = \"41111111111111119999\"\n"
      "response_code = \"14\"\n",
      c);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "rules.decline_card[0].pan: is not 12 to 19 digits");
}

TEST(SimBankConfig, TlsNeedsCertificateAndKeyTogether) {
  bank_config c;
  auto errors = parse("[tls]\ncertificate_path = \"/c.pem\"\n", c);
  EXPECT_TRUE(has_error(errors, "tls: certificate_path and key_path go together, one is empty"));
  c = {};
  errors = parse("[tls]\nclient_ca_path = \"/ca.pem\"\n", c);
  EXPECT_TRUE(has_error(errors, "tls.client_ca_path: needs certificate_path and key_path"));
  c = {};
  errors = parse(
      "[tls]\ncertificate_path = \"/c.pem\"\nkey_path = \"/k.pem\"\n"
      "client_ca_path = \"/ca.pem\"\n",
      c);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(c.tls.client_ca_path, "/ca.pem");
}

TEST(SimBankConfig, SplitsHostAndPort) {
  std::string host;
  std::uint16_t port = 1;
  EXPECT_TRUE(split_host_port("127.0.0.1:0", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  EXPECT_TRUE(split_host_port("[::1]:9583", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9583);
  EXPECT_FALSE(split_host_port("host:65536", host, port));
  EXPECT_FALSE(split_host_port("host:", host, port));
  EXPECT_FALSE(split_host_port(":80", host, port));
}

}  // namespace
}  // namespace sy::routing::sim
