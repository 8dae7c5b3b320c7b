// Value syntax checks and the quoting that keeps card numbers and control bytes out of messages.
#include "config/detail/syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace sy::config::detail {
namespace {

TEST(ConfigSyntax, QuotesEscapesTruncatesAndMasks) {
  EXPECT_EQ(quote("a\"b\\c\n"), R"("a\"b\\c\x0a")");
  EXPECT_EQ(quote(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
  EXPECT_EQ(quote("4111111111111111"), "\"411111******1111\"");
}

TEST(ConfigSyntax, QuoteMasksACardNumberThatStraddlesTheCut) {
  const std::string quoted = quote(std::string(53, 'x') + "4111111111111111");
  EXPECT_EQ(quoted.find("41111111111"), std::string::npos) << quoted;
  EXPECT_EQ(quoted, "\"" + std::string(53, 'x') + "411111*****...\"");
}

TEST(ConfigSyntax, KeySegmentsAreBareOrQuoted) {
  EXPECT_EQ(key_segment("timeout_ms"), "timeout_ms");
  EXPECT_EQ(key_segment("a b"), "\"a b\"");
  EXPECT_EQ(key_segment(""), "\"\"");
}

TEST(ConfigSyntax, ChecksIdsCurrenciesBrandsAndEnvNames) {
  EXPECT_TRUE(is_id("bank_sim-1"));
  EXPECT_FALSE(is_id(""));
  EXPECT_FALSE(is_id("a.b"));
  EXPECT_FALSE(is_id(std::string(33, 'a')));
  EXPECT_TRUE(is_currency_code("CNY"));
  EXPECT_FALSE(is_currency_code("CN"));
  EXPECT_FALSE(is_currency_code("cny"));
  EXPECT_TRUE(is_brand_word("unionpay"));
  EXPECT_FALSE(is_brand_word("Union"));
  EXPECT_TRUE(is_env_name("SY_KEY_1"));
  EXPECT_FALSE(is_env_name("1KEY"));
  EXPECT_FALSE(is_env_name("A-B"));
}

TEST(ConfigSyntax, ChecksTimeZoneNamesWithoutPathTricks) {
  EXPECT_TRUE(is_time_zone_name("Asia/Shanghai"));
  EXPECT_TRUE(is_time_zone_name("Etc/GMT+8"));
  EXPECT_FALSE(is_time_zone_name("../etc/passwd"));
  EXPECT_FALSE(is_time_zone_name("/etc/localtime"));
  EXPECT_FALSE(is_time_zone_name(""));
}

TEST(ConfigSyntax, ParsesTimeOfDay) {
  const auto t = parse_time_of_day("23:05");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hour, 23);
  EXPECT_EQ(t->minute, 5);
  EXPECT_FALSE(parse_time_of_day("24:00"));
  EXPECT_FALSE(parse_time_of_day("23:60"));
  EXPECT_FALSE(parse_time_of_day("9:00"));
  EXPECT_FALSE(parse_time_of_day("23:00:00"));
}

TEST(ConfigSyntax, ParsesEndpoints) {
  auto e = parse_endpoint("bank.example:8583");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "bank.example");
  EXPECT_EQ(e->port, 8583);
  e = parse_endpoint("[::1]:9000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_FALSE(parse_endpoint("::1:9000"));
  EXPECT_FALSE(parse_endpoint("host:0"));
  EXPECT_FALSE(parse_endpoint("host:65536"));
  EXPECT_FALSE(parse_endpoint("host:"));
  EXPECT_FALSE(parse_endpoint(":80"));
  EXPECT_FALSE(parse_endpoint("host"));
}

TEST(ConfigSyntax, ParsesBinRanges) {
  auto r = parse_bin_range("4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, "4");
  EXPECT_EQ(r->high, "4");
  r = parse_bin_range("222100-272099");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->high, "272099");
  EXPECT_FALSE(parse_bin_range("5599-5100"));
  EXPECT_FALSE(parse_bin_range("4-55"));
  EXPECT_FALSE(parse_bin_range("123456789012"));
  EXPECT_FALSE(parse_bin_range("4a"));
  EXPECT_FALSE(parse_bin_range("-"));
  EXPECT_FALSE(parse_bin_range(""));
}

TEST(ConfigSyntax, ParsesSha256FingerprintsPlainOrInColonPairs) {
  const std::string hex(64, 'A');
  EXPECT_EQ(sha256_fingerprint(std::string(64, 'a')), hex);
  std::string pairs;
  for (int i = 0; i < 32; ++i) pairs += (i == 0 ? "" : ":") + std::string("Ab");
  std::string expected;
  for (int i = 0; i < 32; ++i) expected += "AB";
  EXPECT_EQ(sha256_fingerprint(pairs), expected);
  EXPECT_FALSE(sha256_fingerprint(std::string(63, 'a')));
  EXPECT_FALSE(sha256_fingerprint(std::string(63, 'a') + "g"));
  EXPECT_FALSE(sha256_fingerprint(std::string(pairs).replace(2, 1, "-")));
  EXPECT_FALSE(sha256_fingerprint(""));
}

TEST(ConfigSyntax, ChecksBaseUrls) {
  EXPECT_TRUE(is_base_url("https://wallet.example/v1"));
  EXPECT_TRUE(is_base_url("http://127.0.0.1:8600/v1"));
  EXPECT_TRUE(is_base_url("http://[::1]:8600"));
  EXPECT_FALSE(is_base_url("ftp://x"));
  EXPECT_FALSE(is_base_url("https://"));
  EXPECT_FALSE(is_base_url("https://a b/"));
  EXPECT_FALSE(is_base_url("https://host:99999/"));
}

}  // namespace
}  // namespace sy::config::detail
