// `switchyard keys` against a real key store: init, generate, import under a ZMK with its KCV,
// rotate, retire, list and check; outputs show KCVs and never key material; a missing key the
// configuration names stops `run` with exit code key_missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/fatal.h"
#include "tests/integration/background_process.h"
#include "tests/integration/process.h"
#include "tests/routing/tls_test_support.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;

int code(exit_code c) {
  return static_cast<int>(c);
}

// A scratch directory with a configuration whose channel names a MAC key `bank_mac`.
class KeysCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("switchyard-keys-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ifstream example(SY_SOURCE_DIR "/config/switchyard.example.toml");
    std::string text{std::istreambuf_iterator<char>(example), std::istreambuf_iterator<char>()};
    const std::string from = R"(key_store_path = "data/keys")";
    text.replace(text.find(from), from.size(),
                 "key_store_path = \"" + (dir_ / "keys").string() + "\"");
    std::ofstream(dir_ / "switchyard.toml") << text;
    // The example's merchant listener certificate, where it names it (relative to the run's cwd).
    const auto tls = dir_ / "data" / "tls";
    fs::create_directories(tls);
    routing::test::make_certificate(tls);
    fs::rename(tls / "cert.pem", tls / "server.crt");
    fs::rename(tls / "key.pem", tls / "server.key");
    for (const char* name : {"SY_DEV_TEAHOUSE_KEY_1", "SY_DEV_BOOKSHOP_KEY_0",
                             "SY_DEV_BOOKSHOP_KEY_1", "SY_DEV_HSM_MASTER_KEY"}) {
      ::setenv(name, std::string(64, 'a').c_str(), 1);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  process_result keys(std::vector<std::string> args) {
    args.insert(args.begin(),
                {switchyard_binary(), "keys", "--config", (dir_ / "switchyard.toml").string()});
    return run_process(args, {}, dir_.string());
  }

  fs::path dir_;
};

TEST_F(KeysCli, ManagesTheKeyLifecycleAndPrintsOnlyCheckValues) {
  ASSERT_EQ(keys({"init"}).exit_code, code(exit_code::ok));
  EXPECT_EQ(keys({"init"}).exit_code, code(exit_code::hsm_failure));  // never overwrites

  // The ZMK comes in as a clear component (the published test key, KCV 08D7B4).
  ::setenv("SY_TEST_ZMK", "0123456789ABCDEFFEDCBA9876543210", 1);
  auto zmk = keys({"import", "zmk", "--type", "zmk", "--clear", "env:SY_TEST_ZMK"});
  ASSERT_EQ(zmk.exit_code, code(exit_code::ok)) << zmk.err;
  EXPECT_NE(zmk.out.find("KCV 08D7B4"), std::string::npos) << zmk.out;
  EXPECT_EQ(zmk.out.find("0123456789ABCDEF"), std::string::npos);

  // The TAK 89ABCDEF0123456776543210FEDCBA98 encrypted under it (3DES ECB), with its KCV.
  const std::string wrapped = "4230EF1CB268495597F4494DD23D8A72";
  auto bad = keys({"import", "bank_mac", "--type", "tak", "--under", "zmk", "--key", wrapped,
                   "--kcv", "000000"});
  EXPECT_EQ(bad.exit_code, code(exit_code::failure));
  EXPECT_NE(bad.err.find("check value"), std::string::npos) << bad.err;

  auto imported = keys({"import", "bank_mac", "--type", "tak", "--under", "zmk", "--key", wrapped,
                        "--kcv", "EB7A8D"});
  ASSERT_EQ(imported.exit_code, code(exit_code::ok)) << imported.err;
  EXPECT_NE(imported.out.find("KCV EB7A8D"), std::string::npos) << imported.out;
  EXPECT_EQ(keys({"generate", "bank_mac", "--type", "tak"}).exit_code, code(exit_code::failure));
  auto rotated = keys({"rotate", "bank_mac"});
  ASSERT_EQ(rotated.exit_code, code(exit_code::ok)) << rotated.err;
  EXPECT_NE(rotated.out.find("v2"), std::string::npos) << rotated.out;
  EXPECT_EQ(keys({"retire", "bank_mac", "2"}).exit_code, code(exit_code::failure));
  EXPECT_EQ(keys({"retire", "bank_mac", "1"}).exit_code, code(exit_code::ok));

  auto list = keys({"list"});
  ASSERT_EQ(list.exit_code, code(exit_code::ok)) << list.err;
  EXPECT_NE(list.out.find("2 key version(s)"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("0123456789ABCDEF"), std::string::npos);
}

TEST_F(KeysCli, CheckAndRunNameEveryMissingKey) {
  ASSERT_EQ(keys({"init"}).exit_code, code(exit_code::ok));
  auto check = keys({"check"});
  EXPECT_EQ(check.exit_code, code(exit_code::key_missing));
  EXPECT_NE(check.out.find("bank_sim_mac"), std::string::npos) << check.out;

  const auto config = (dir_ / "switchyard.toml").string();
  auto run = run_process({switchyard_binary(), "run", "--config", config}, {}, dir_.string());
  EXPECT_EQ(run.exit_code, code(exit_code::key_missing)) << run.out << run.err;
  EXPECT_NE(run.err.find("bank_sim_mac"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("pan-data"), std::string::npos) << run.err;

  ASSERT_EQ(keys({"generate", "bank_sim_mac", "--type", "tak"}).exit_code, code(exit_code::ok));
  ASSERT_EQ(keys({"generate", "wallet_sim_signing", "--type", "api_secret"}).exit_code,
            code(exit_code::ok));
  ASSERT_EQ(keys({"generate", "pan-token", "--type", "pan_token"}).exit_code, code(exit_code::ok));
  ASSERT_EQ(keys({"generate", "pan-data", "--type", "pan_data"}).exit_code, code(exit_code::ok));
  EXPECT_EQ(keys({"check"}).exit_code, code(exit_code::ok));
  run = run_switch_until_running({"run", "--config", config}, dir_.string());
  EXPECT_EQ(run.exit_code, code(exit_code::ok)) << run.err;
  EXPECT_NE(run.out.find("switchyard: running"), std::string::npos) << run.out;
}

TEST_F(KeysCli, AMissingKeyStoreIsAnHsmFailureNamingInit) {
  auto list = keys({"list"});
  EXPECT_EQ(list.exit_code, code(exit_code::hsm_failure));
  EXPECT_NE(list.err.find("keys init"), std::string::npos) << list.err;
}

}  // namespace
}  // namespace sy::testing
