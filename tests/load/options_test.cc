// The driver's options: defaults that run, and every refusal naming the option, the value and the
// bound it broke.
#include "bench/load/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

namespace sy::load {
namespace {

parsed_options parse(std::vector<std::string> args) {
  args.insert(args.begin(), "switchyard-load");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

class Options : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("SY_LOAD_TEST_SECRET", "s3cret", 1); }
  void TearDown() override { ::unsetenv("SY_LOAD_TEST_SECRET"); }
};

TEST_F(Options, DefaultsAreAClosedLoopAgainstTheLocalSwitch) {
  const auto p = parse({"--secret-env", "SY_LOAD_TEST_SECRET"});
  ASSERT_TRUE(p.value) << p.message;
  EXPECT_EQ(p.value->mode, loop_mode::closed);
  EXPECT_EQ(p.value->target.host, "127.0.0.1");
  EXPECT_EQ(p.value->target.port, 8443);
  EXPECT_EQ(p.value->target.path, "/v1/payments");
  EXPECT_EQ(p.value->secret, "s3cret");
  ASSERT_EQ(p.value->bin_ranges.size(), 1u);
}

TEST_F(Options, OpenLoopTakesARate) {
  const auto p =
      parse({"--no-sign", "--mode", "open", "--rate", "2500", "--connections", "8", "--threads",
             "2", "--bins", "4", "51-55", "--url", "https://localhost:9443/"});
  ASSERT_TRUE(p.value) << p.message;
  EXPECT_EQ(p.value->mode, loop_mode::open);
  EXPECT_EQ(p.value->rate_per_s, 2500);
  EXPECT_FALSE(p.value->sign);
  EXPECT_EQ(p.value->bin_ranges.size(), 2u);
  EXPECT_EQ(p.value->target.path, "/");
}

TEST_F(Options, RefusalsNameTheOptionTheValueAndTheBound) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--connections", "0"}, "error: --connections: 0 is below the minimum 1\n"},
      {{"--connections", "20000"}, "error: --connections: 20000 is above the maximum 10000\n"},
      {{"--depth", "2000"}, "error: --depth: 2000 is above the maximum 1024\n"},
      {{"--duration", "0.01"}, "error: --duration: 0.01 is below the minimum 0.1\n"},
      {{"--threads", "4", "--connections", "2"},
       "error: --threads: 4 is above --connections 2 (each thread drives its own connections)\n"},
      {{"--mode", "open"},
       "error: --rate: 0 must be above 0 with --mode open (arrivals per second)\n"},
      {{"--rate", "100"},
       "error: --rate: 100 is only for --mode open (closed loop sends as fast as answers come)\n"},
      {{"--mode", "half-open"}, "error: --mode: 'half-open' is not closed or open\n"},
      {{"--idle-connections", "-1"}, "error: --idle-connections: -1 is below the minimum 0\n"},
      {{"--card-length", "20"}, "error: --card-length: 20 is above the maximum 19\n"},
      {{"--bins", "4111111111111"},
       "error: --bins: '4111111111111' is not PREFIX or LOW-HIGH (equal lengths of 1 to 11 "
       "digits, LOW <= HIGH)\n"},
      {{"--bins", "41111111111", "--card-length", "11"},
       "error: --card-length: 11 is below the minimum 12\n"
       "error: --bins: '41111111111' has 11 digits, at least --card-length 11\n"},
      {{"--currency", "cny"}, "error: --currency: 'cny' is not an ISO 4217 code like CNY\n"},
      {{"--url", "http://127.0.0.1:8443/"},
       "error: --url: 'http://127.0.0.1:8443/' is not https://HOST[:PORT][/PATH]\n"},
      {{"--url", "https://127.0.0.1:70000/"},
       "error: --url: 'https://127.0.0.1:70000/' is not https://HOST[:PORT][/PATH]\n"},
  };
  for (const auto& [args, message] : cases) {
    auto with_secret = args;
    with_secret.insert(with_secret.end(), {"--secret-env", "SY_LOAD_TEST_SECRET"});
    const auto p = parse(with_secret);
    EXPECT_FALSE(p.value) << args[0];
    EXPECT_EQ(p.exit_code, 2) << args[0];
    EXPECT_EQ(p.message, message) << args[0];
  }
}

TEST_F(Options, SigningNeedsTheSecretInTheEnvironment) {
  const auto p = parse({"--secret-env", "SY_LOAD_TEST_UNSET"});
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.message,
            "error: --secret-env: 'SY_LOAD_TEST_UNSET' is not set to the merchant's API secret "
            "(or pass --no-sign)\n");
  EXPECT_TRUE(parse({"--secret-env", "SY_LOAD_TEST_UNSET", "--no-sign"}).value);
}

TEST_F(Options, AValueOfTheWrongTypeIsAUsageError) {
  const auto p = parse({"--no-sign", "--connections", "many"});
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.message.find("--connections"), std::string::npos) << p.message;
}

TEST_F(Options, HelpIsNotAnError) {
  const auto p = parse({"--help"});
  EXPECT_FALSE(p.value);
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.message.find("--idle-connections"), std::string::npos);
}

}  // namespace
}  // namespace sy::load
