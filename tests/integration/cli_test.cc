// The `switchyard` binary as operators use it: exit codes, the embedded default configuration,
// `config check`, and the ISO 8583 tools through standard input and output.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/fatal.h"
#include "tests/integration/background_process.h"
#include "tests/integration/process.h"

namespace sy::testing {
namespace {

constexpr const char* pan = "4111111111111111";

int code(exit_code c) {
  return static_cast<int>(c);
}

process_result switchyard(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), switchyard_binary());
  return run_process(args, input);
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("switchyard-cli-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  const auto r = switchyard({"no-such-command"});
  EXPECT_EQ(r.exit_code, code(exit_code::usage)) << r.err;
}

TEST(Cli, RunStartsOnTheEmbeddedDefaultSaysWhatItServesAndStopsOnSigterm) {
  // A directory of its own: the embedded default keeps its data under ./data.
  const auto dir =
      std::filesystem::temp_directory_path() / ("switchyard-cli-run-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto r = run_switch_until_running({"run"}, dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.out.find("switchyard: running"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("switchyard: stopped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("merchant"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("channel"), std::string::npos) << r.out;
}

TEST(Cli, ConfigCheckAcceptsTheExampleConfigurationOnceItsSecretsAreSet) {
  const auto unset =
      switchyard({"config", "check", SY_SOURCE_DIR "/config/switchyard.example.toml"});
  EXPECT_EQ(unset.exit_code, code(exit_code::failure)) << unset.out;
  EXPECT_NE(unset.out.find("SY_DEV_HSM_MASTER_KEY is not set"), std::string::npos) << unset.out;

  const std::string secret(64, 'a');
  for (const char* name : {"SY_DEV_TEAHOUSE_KEY_1", "SY_DEV_BOOKSHOP_KEY_0",
                           "SY_DEV_BOOKSHOP_KEY_1", "SY_DEV_HSM_MASTER_KEY"}) {
    ::setenv(name, secret.c_str(), 1);
  }
  const auto r = switchyard({"config", "check", SY_SOURCE_DIR "/config/switchyard.example.toml"});
  EXPECT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

TEST(Cli, ConfigCheckNamesTheLineOfEveryProblem) {
  const auto path = write_temp("bad.toml", "[storage]\nmap_size_mb = \"big\"\nno_such_key = 1\n");
  const auto r = switchyard({"config", "check", path.string()});
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, code(exit_code::failure)) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find(":2"), std::string::npos) << all;
  EXPECT_NE(all.find("no_such_key"), std::string::npos) << all;
}

TEST(Cli, RunRefusesAnInvalidConfigurationWithTheBadConfigExitCode) {
  const auto path = write_temp("garbage.toml", "this is = = not toml\n");
  const auto r = switchyard({"run", "--config", path.string()});
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, code(exit_code::bad_config)) << r.out << r.err;
}

TEST(Cli, Iso8583EncodeThenDecodeRoundTripsAndMasksThePan) {
  const std::string message =
      R"({"mti":"0200","fields":{"2":")" + std::string(pan) +
      R"(","3":"000000","4":"000000001099","11":"000123","41":"TERM0001","49":"156"}})";
  const auto encoded = switchyard({"iso8583", "encode"}, message);
  ASSERT_EQ(encoded.exit_code, code(exit_code::ok)) << encoded.err;

  const auto decoded = switchyard({"iso8583", "decode"}, encoded.out);
  ASSERT_EQ(decoded.exit_code, code(exit_code::ok)) << decoded.err;
  EXPECT_EQ(decoded.out.find(pan), std::string::npos) << "PAN leaked: " << decoded.out;

  boost::system::error_code ec;
  const auto json = boost::json::parse(decoded.out, ec);
  ASSERT_FALSE(ec) << decoded.out;
  const auto& fields = json.at("fields").as_object();
  EXPECT_EQ(json.at("mti").as_string(), "0200");
  EXPECT_EQ(fields.at("2").as_string(), "411111******1111");
  EXPECT_EQ(fields.at("4").as_string(), "000000001099");
  EXPECT_EQ(fields.at("41").as_string(), "TERM0001");
}

TEST(Cli, Iso8583DecodeOfGarbageIsAPreciseErrorNotACrash) {
  const auto r = switchyard({"iso8583", "decode"}, "30323030ff");
  EXPECT_EQ(r.exit_code, code(exit_code::failure)) << r.out << r.err;
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace sy::testing
