// The embedded default is config/switchyard.example.toml, and it validates.
#include "config/embedded_default.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/config/test_support.h"

namespace sy::config {
namespace {

validation_context with_dev_secrets() {
  const std::string s = test::long_secret;
  return test::fake_context({{"SY_DEV_TEAHOUSE_KEY_1", s},
                             {"SY_DEV_BOOKSHOP_KEY_1", s},
                             {"SY_DEV_BOOKSHOP_KEY_0", s},
                             {"SY_DEV_HSM_MASTER_KEY", s}});
}

TEST(EmbeddedDefault, IsTheExampleFile) {
  std::ifstream in(std::string(SY_SOURCE_DIR) + "/config/switchyard.example.toml",
                   std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(embedded_default(), file);
}

TEST(EmbeddedDefault, ValidatesWithoutWarnings) {
  const auto outcome = load_string(embedded_default(), embedded_default_name, with_dev_secrets());
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(test::lines(outcome));
  EXPECT_TRUE(outcome.diagnostics.empty()) << ::testing::PrintToString(test::lines(outcome));
}

TEST(EmbeddedDefault, ConfiguresWhatTheIssueAsksFor) {
  const auto outcome = load_string(embedded_default(), embedded_default_name, with_dev_secrets());
  ASSERT_TRUE(outcome.ok());
  const config& c = *outcome.config;
  EXPECT_EQ(c.merchants.size(), 2u);
  ASSERT_EQ(c.channels.size(), 2u);
  EXPECT_EQ(c.channels[0].kind, channel_kind::iso8583);
  EXPECT_EQ(c.channels[1].kind, channel_kind::http);
  EXPECT_EQ(c.clearing.cutoff.hour, 23);
  EXPECT_EQ(c.clearing.cutoff.minute, 0);
  EXPECT_EQ(c.clearing.time_zone, "Asia/Shanghai");
  EXPECT_EQ(c.hsm.backend, hsm_backend::soft);
  EXPECT_EQ(c.hsm.soft.key_store_path, "data/keys");
  std::vector<std::string> brands;
  for (const auto& r : c.routes) brands.insert(brands.end(), r.brands.begin(), r.brands.end());
  EXPECT_THAT(brands, ::testing::IsSupersetOf({"visa", "mastercard", "unionpay"}));
  for (const auto& m : c.merchants) {
    for (const auto& k : m.api_keys) EXPECT_EQ(k.key_secret.origin(), secret::source::env);
  }
}

TEST(EmbeddedDefault, FailsWithoutItsSecrets) {
  const auto outcome =
      load_string(embedded_default(), embedded_default_name, test::fake_context({}));
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(error_count(outcome.diagnostics), 4u);
}

}  // namespace
}  // namespace sy::config
