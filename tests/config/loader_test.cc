// Loader behaviour: each bound, type error, unknown key and cross-reference is one diagnostic
// with file, line, key path, value and expectation; every error is reported; values are mapped.
#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "config/limits.h"
#include "tests/config/test_support.h"

namespace sy::config {
namespace {

using test::bank_channel;
using test::lines;
using test::load;
using test::minimal;
using test::shop_merchant;
using test::wallet_channel;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

TEST(ConfigLoader, AcceptsMinimalConfigWithDefaults) {
  const auto outcome = load(minimal);
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(lines(outcome));
  EXPECT_THAT(outcome.diagnostics, SizeIs(0));
  const config& c = *outcome.config;
  EXPECT_EQ(c.source_name, "t.toml");
  EXPECT_EQ(c.listen.merchant_api.port, 8443);
  EXPECT_EQ(c.listen.admin.address, "127.0.0.1");
  EXPECT_EQ(c.storage.idempotency_retention_h, 24);
  EXPECT_EQ(c.storage.nonce_window_s, 600);
  EXPECT_EQ(c.storage.map_size_max_bytes, limits::store_map_size_max);
  EXPECT_EQ(c.clearing.cutoff.hour, 23);
  EXPECT_EQ(c.hsm.backend, hsm_backend::soft);
  EXPECT_EQ(c.hsm.soft.master_key.reference(), "env:MASTER");
  EXPECT_EQ(c.hsm.soft.master_key.value(), test::long_secret);
  EXPECT_EQ(c.hsm.pan_token_key, "pan-token");
  EXPECT_EQ(c.hsm.pan_data_key, "pan-data");
}

TEST(ConfigLoader, MapsEveryChannelField) {
  const auto outcome = load(minimal + bank_channel + R"(
framing = "ascii4"
frame_size_max = 9000
spec = "iso93"
mac_key = "mac1"
connect_timeout_ms = 1
request_timeout_ms = 2
echo_interval_ms = 1000
reversal_retry_base_ms = 200
reversal_retry_max_ms = 800
connection_count = 3
inflight_max = 4
card_acceptor_name = "SHOP"
settlement_columns = ["-", "rrn", "event_type", "amount", "currency"]
[channels.tls]
enabled = true
ca_path = "ca.pem"
certificate_path = "client.pem"
key_path = "client.key"
server_name = "bank.example"
)" + wallet_channel);
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(lines(outcome));
  const channel& c = outcome.config->channels.at(0);
  EXPECT_EQ(c.frame, framing::ascii4);
  EXPECT_EQ(c.frame_size_max, 9000);
  EXPECT_EQ(c.spec, iso8583_spec::iso93);
  EXPECT_EQ(c.mac_key, "mac1");
  EXPECT_EQ(c.endpoints.at(0).host, "127.0.0.1");
  EXPECT_EQ(c.endpoints.at(0).port, 8583);
  EXPECT_EQ(c.inflight_max, 4);
  EXPECT_EQ(c.reversal_retry_base_ms, 200);
  EXPECT_EQ(c.reversal_retry_max_ms, 800);
  EXPECT_EQ(c.settlement_columns.at(0), "-");
  EXPECT_TRUE(c.tls.enabled);
  EXPECT_EQ(c.tls.server_name, "bank.example");
  const channel& w = outcome.config->channels.at(1);
  EXPECT_EQ(w.kind, channel_kind::http);
  EXPECT_EQ(w.base_url, "https://wallet.example/v1");
  EXPECT_EQ(w.settlement_columns, default_settlement_columns());
}

TEST(ConfigLoader, MapsMerchantRiskFeesAndRoutes) {
  const auto outcome = load(minimal + bank_channel + shop_merchant + R"(
[merchants.rate_limit]
requests_per_s = 5
burst = 6
[merchants.risk]
transaction_amount_max = { CNY = 100 }
daily_volume_max = { USD = 200 }
velocity_count_max = 3
velocity_window_s = 60
blocked_bins = ["4", "510000-559999"]
blocked_card_tokens = ["tok_abc"]
frozen = true
[merchants.fees]
basis_points = 60
fixed_minor = 10
refund_policy = "charge"
[[merchants.fees.overrides]]
brand = "visa"
basis_points = 40
[[routes]]
id = "r1"
bins = ["4"]
brands = ["visa"]
methods = ["card"]
currencies = ["CNY"]
merchants = ["m1"]
amount_min = 1
amount_max = 100
channels = ["bank"]
weights = [5]
failover_on_timeout = true
)");
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(lines(outcome));
  const merchant& m = outcome.config->merchants.at(0);
  EXPECT_EQ(m.rate.burst, 6);
  EXPECT_EQ(m.risk.transaction_amount_max.at(0).currency, "CNY");
  EXPECT_EQ(m.risk.transaction_amount_max.at(0).amount_minor, 100);
  EXPECT_EQ(m.risk.blocked_bins.at(1).high, "559999");
  EXPECT_TRUE(m.risk.frozen);
  EXPECT_EQ(m.fees.refund_policy, refund_fee_policy::charge);
  EXPECT_EQ(m.fees.overrides.at(0).rate.basis_points, 40);
  EXPECT_EQ(m.api_keys.at(0).key_secret.value(), test::long_secret);
  const route& r = outcome.config->routes.at(0);
  EXPECT_EQ(r.methods.at(0), payment_method::card);
  EXPECT_EQ(r.amount_max, 100);
  EXPECT_EQ(r.weights.at(0), 5);
  EXPECT_TRUE(r.failover_on_timeout);
}

TEST(ConfigLoader, ReportsSyntaxErrorWithPosition) {
  const auto outcome = load("[tls]\ncertificate_path = \"c.pem\"\nkey_path = = 1\n");
  ASSERT_FALSE(outcome.ok());
  ASSERT_THAT(outcome.diagnostics, SizeIs(1));
  EXPECT_EQ(outcome.diagnostics[0].line, 3u);
  EXPECT_GT(outcome.diagnostics[0].column, 0u);
  EXPECT_THAT(lines(outcome)[0], AllOf(HasSubstr("t.toml:3:"), HasSubstr("TOML syntax error")));
}

TEST(ConfigLoader, MapsTheMapSizeBounds) {
  const auto outcome =
      load(minimal + "[storage]\nmap_size_bytes = 16777216\nmap_size_max_bytes = 16777216\n");
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(lines(outcome));
  EXPECT_EQ(outcome.config->storage.map_size_bytes, std::int64_t{16} << 20);
  EXPECT_EQ(outcome.config->storage.map_size_max_bytes, std::int64_t{16} << 20);
  const auto largest = load(minimal + "[storage]\nmap_size_max_bytes = 1099511627776\n");
  ASSERT_TRUE(largest.ok()) << ::testing::PrintToString(lines(largest));
  EXPECT_EQ(largest.config->storage.map_size_max_bytes, limits::store_map_size_max);
}

// An invalid map_size_bytes is reported once; the maximum is not also compared with it.
TEST(ConfigLoader, AnInvalidMapSizeIsNotComparedWithTheMaximum) {
  const auto outcome =
      load(minimal + "[storage]\nmap_size_bytes = 1\nmap_size_max_bytes = 1073741824\n");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(error_count(outcome.diagnostics), 1u) << ::testing::PrintToString(lines(outcome));
}

TEST(ConfigLoader, ReportsEveryErrorNotOnlyTheFirst) {
  const auto outcome = load(minimal + R"(
[storage]
nonce_window_s = 1
idempotency_retention_h = 1
[workers]
count = -1
)");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(error_count(outcome.diagnostics), 3u);
  EXPECT_THAT(lines(outcome),
              Contains("t.toml:14:27: storage.idempotency_retention_h: 1 is below the minimum 24"));
}

TEST(ConfigLoader, ReportsDiagnosticsInFileOrder) {
  // Channels are read after workers; the channel's error still comes first, as in the file.
  const auto outcome =
      load(minimal + bank_channel + "connection_count = 0\n" + "[workers]\ncount = 999\n");
  ASSERT_THAT(outcome.diagnostics, SizeIs(2));
  EXPECT_EQ(outcome.diagnostics[0].path, "channels[0].connection_count");
  EXPECT_EQ(outcome.diagnostics[1].path, "workers.count");
}

TEST(ConfigLoader, RejectsTextLargerThanTheLimit) {
  const std::string big(limits::config_file_size_max + 1, '#');
  const auto outcome = load(big);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(lines(outcome)[0], HasSubstr("above the maximum 4194304"));
}

TEST(ConfigLoader, LoadsFileAndRejectsMissingOrOversizedFile) {
  // Per process: the release and sanitizer builds' tests may run at once.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sy_config_loader_test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good = (dir / "good.toml").string();
  std::ofstream(good) << minimal;
  EXPECT_TRUE(load_file(good, test::fake_context()).ok());

  const auto missing = load_file((dir / "missing.toml").string(), test::fake_context());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(lines(missing)[0], HasSubstr("missing.toml: is not a readable regular file"));

  const auto big = (dir / "big.toml").string();
  std::ofstream(big) << std::string(limits::config_file_size_max + 1, '#');
  const auto oversized = load_file(big, test::fake_context());
  ASSERT_FALSE(oversized.ok());
  EXPECT_THAT(lines(oversized)[0], HasSubstr("is larger than the maximum"));
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoader, NamesTheAllowedKeysOfAnUnknownKey) {
  const auto outcome = load(minimal + "[storage]\nmap_sise_bytes = 1\n");
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(lines(outcome), Contains(AllOf(HasSubstr("t.toml:12:1: storage.map_sise_bytes: "
                                                       "unknown key; expected one of:"),
                                             HasSubstr("map_size_bytes"))));
}

TEST(ConfigLoader, NeverEchoesACardNumber) {
  const auto outcome = load(minimal + shop_merchant +
                            "[merchants.risk]\nblocked_card_tokens = [\"4111111111111111\"]\n"
                            "blocked_bins = [4111111111111111]\n4111111111111111 = 1\n");
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(lines(outcome), Each(Not(HasSubstr("4111111111111111"))));
  EXPECT_THAT(lines(outcome), Contains(HasSubstr("411111******1111")));
  EXPECT_EQ(error_count(outcome.diagnostics), 3u);
}

TEST(ConfigSnapshot, IsImmutableAndSharedAcrossThreads) {
  static_assert(std::is_same_v<snapshot, std::shared_ptr<const config>>);
  static_assert(std::is_const_v<snapshot::element_type>);
  const auto outcome = load(minimal + bank_channel);
  ASSERT_TRUE(outcome.ok());
  const snapshot shared = outcome.config;
  std::vector<std::thread> readers;
  std::atomic<int> seen{0};
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([copy = shared, &seen] {
      if (copy->channels.at(0).id == "bank") seen.fetch_add(1);
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(seen.load(), 4);
  EXPECT_EQ(shared.use_count(), 2);  // `outcome` and `shared`: the readers' copies are gone
}

}  // namespace
}  // namespace sy::config
