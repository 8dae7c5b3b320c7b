// switchyard-load against the real switch and bank simulator (the integration tests' fixture):
// a short closed-loop and open-loop run each get signed requests answered 201 and write a JSON
// result that says so. Nothing here is timed: speed is the benchmark's business.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/merchant_client.h"
#include "tests/integration/process.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace json = boost::json;

const merchant_key key{"key_load", std::string(40, 'l')};

class LoadDriver : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    const std::string plain_bank = "[latency]\ndistribution = \"fixed\"\nfixed_us = 0\n";
    bank_ = start_bank("127.0.0.1:0", &plain_bank);
    write_config("");
    std::ofstream(config_path(), std::ios::app) << unlimited_merchant_toml("m_load", key);
    make_keys();
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    wait_ready();
  }

  // Runs the driver with `args` after the target and key options; its JSON result.
  json::object drive(std::vector<std::string> args) {
    const auto result_path = (dir_ / "result.json").string();
    std::vector<std::string> argv{
        SY_LOAD_BINARY,
        "--url",
        "https://127.0.0.1:" + std::to_string(merchant_port_) + "/v1/payments",
        "--cacert",
        ca_path(),
        "--key-id",
        key.id,
        "--secret-env",
        "SY_TEST_SECRET_" + key.id,
        "--json",
        result_path};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = run_process(argv);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("throughput"), std::string::npos) << run.out;
    std::ifstream file(result_path);
    const std::string text{std::istreambuf_iterator<char>(file), {}};
    json::error_code ec;
    auto value = json::parse(text, ec);
    EXPECT_FALSE(ec) << text;
    return ec || !value.is_object() ? json::object{} : value.as_object();
  }

  static void expect_all_created(const json::object& r) {
    const auto responses = r.at("responses").as_int64();
    EXPECT_GT(responses, 0);
    EXPECT_EQ(r.at("status").as_object().at("201").as_int64(), responses) << json::serialize(r);
    EXPECT_EQ(r.at("requests_lost").as_int64(), 0);
    for (const auto& [kind, count] : r.at("transport_failures").as_object()) {
      EXPECT_EQ(count.as_int64(), 0) << kind;
    }
    EXPECT_EQ(r.at("tls_version").as_string(), "TLSv1.3");
    const auto& latency = r.at("latency_us").as_object();
    EXPECT_GT(latency.at("p50").as_double(), 0);
    EXPECT_LE(latency.at("p50").as_double(), latency.at("p99").as_double());
    EXPECT_LE(latency.at("p99").as_double(), latency.at("max").as_double());
    EXPECT_GE(r.at("driver_cpu").as_object().at("user_s").as_double(), 0);
  }
};

TEST_F(LoadDriver, ClosedLoopWithPipeliningGetsEveryPaymentCreated) {
  const auto r = drive({"--connections", "4", "--depth", "2", "--duration", "1.5"});
  expect_all_created(r);
  EXPECT_EQ(r.at("mode").as_string(), "closed");
  EXPECT_EQ(r.at("requests_sent").as_int64(), r.at("responses").as_int64());
}

TEST_F(LoadDriver, OpenLoopSendsItsRateBesideIdleConnections) {
  const auto r = drive({"--mode", "open", "--rate", "100", "--connections", "4", "--threads", "2",
                        "--duration", "1", "--idle-connections", "16"});
  expect_all_created(r);
  EXPECT_EQ(r.at("mode").as_string(), "open");
  // Arrivals come from the schedule, not from the answers: exactly rate x duration of them.
  EXPECT_EQ(r.at("requests_sent").as_int64(), 100);
  const auto& idle = r.at("idle").as_object();
  EXPECT_EQ(idle.at("opened").as_int64(), 16);
  EXPECT_EQ(idle.at("closed_by_server").as_int64(), 0);
}

}  // namespace
}  // namespace sy::testing
