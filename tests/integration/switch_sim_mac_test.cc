// The switch process and the simulated bank with MACs on the link: a TAK imported with
// `switchyard keys import` on the switch's side and the same TAK in the simulator (its [mac]
// table, or its no-file development default) sign on; TAKs that differ never do.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "routing/sim/development_tak.h"
#include "tests/integration/background_process.h"
#include "tests/integration/process.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* switch_tak_variable = "SY_SIM_MAC_TEST_SWITCH_TAK";
constexpr const char* bank_tak_variable = "SY_SIM_MAC_TEST_BANK_TAK";
constexpr std::string_view signed_on = "switchyard: channel bank signed on";

class SwitchSimMac : public SwitchWithBank {
 protected:
  // The switch with the channel's TAK imported in the clear from the hex in switch_tak_variable.
  void prepare_switch() {
    write_config("mac_key = \"bank_mac\"\n");
    make_keys({{"import", "bank_mac", "--type", "tak", "--clear",
                std::string("env:") + switch_tak_variable}});
  }
};

// Both sides' totals once the switch signed on, signed off and stopped, then the bank stopped.
struct totals {
  process_result switch_side;
  process_result bank_side;
};

totals stop_both(background_process& switch_process, background_process& bank) {
  totals t;
  t.switch_side = switch_process.stop(SIGTERM);
  t.bank_side = bank.stop(SIGTERM);
  return t;
}

void expect_signed_on_with_macs(const totals& t) {
  EXPECT_EQ(t.switch_side.exit_code, 0) << t.switch_side.err;
  // The switch's totals: the sign-on (and sign-off) went out, and no answer failed its MAC.
  EXPECT_NE(t.switch_side.err.find("\"channel\":\"bank\""), std::string::npos) << t.switch_side.err;
  EXPECT_EQ(t.switch_side.err.find("\"0800\":0}"), std::string::npos) << t.switch_side.err;
  EXPECT_NE(t.switch_side.err.find("\"malformed\":0,"), std::string::npos) << t.switch_side.err;
  // The bank's: network requests answered, none refused for its MAC.
  EXPECT_EQ(t.bank_side.exit_code, 0) << t.bank_side.err;
  EXPECT_EQ(t.bank_side.err.find("\"network\":0,"), std::string::npos) << t.bank_side.err;
  EXPECT_NE(t.bank_side.err.find("\"mac_failures\":0}"), std::string::npos) << t.bank_side.err;
}

TEST_F(SwitchSimMac, AnImportedTakAndTheSimulatorsMacTableSignOn) {
  const std::string tak = "00112233445566778899AABBCCDDEEFF";
  ::setenv(switch_tak_variable, tak.c_str(), 1);
  ::setenv(bank_tak_variable, tak.c_str(), 1);
  const std::string sim_config = std::string("[mac]\nkey = \"env:") + bank_tak_variable + "\"\n";
  auto bank = start_bank("127.0.0.1:0", &sim_config);
  prepare_switch();
  auto switch_process = start_switch();
  const std::string said = switch_process->read_until(signed_on);
  EXPECT_NE(said.find(signed_on), std::string::npos) << said;
  expect_signed_on_with_macs(stop_both(*switch_process, *bank));
}

TEST_F(SwitchSimMac, TheSimulatorWithoutAFileMacsUnderTheDevelopmentTak) {
  ::setenv(switch_tak_variable, std::string(routing::sim::development_tak_hex).c_str(), 1);
  auto bank = start_bank("127.0.0.1:0", nullptr);
  prepare_switch();
  auto switch_process = start_switch();
  const std::string said = switch_process->read_until(signed_on);
  EXPECT_NE(said.find(signed_on), std::string::npos) << said;
  const auto t = stop_both(*switch_process, *bank);
  expect_signed_on_with_macs(t);
  EXPECT_NE(t.bank_side.err.find("\"event\":\"development_tak\""), std::string::npos)
      << t.bank_side.err;
  EXPECT_NE(t.bank_side.err.find(routing::sim::development_tak_kcv), std::string::npos);
}

TEST_F(SwitchSimMac, DifferentTaksNeverSignOn) {
  ::setenv(switch_tak_variable, "00112233445566778899AABBCCDDEEFF", 1);
  auto bank = start_bank("127.0.0.1:0", nullptr);  // the development TAK
  prepare_switch();
  auto switch_process = start_switch();
  // The bank refuses the first sign-on at once; a second chance would not change the keys.
  const std::string said = switch_process->read_until(signed_on, 1s);
  EXPECT_EQ(said.find(signed_on), std::string::npos) << said;
  const auto t = stop_both(*switch_process, *bank);
  EXPECT_EQ(t.switch_side.exit_code, 0) << t.switch_side.err;
  EXPECT_EQ(t.switch_side.err.find("\"0800\":0}"), std::string::npos) << t.switch_side.err;
  EXPECT_NE(t.bank_side.err.find("\"network\":0,"), std::string::npos) << t.bank_side.err;
  EXPECT_EQ(t.bank_side.err.find("\"mac_failures\":0}"), std::string::npos) << t.bank_side.err;
  EXPECT_NE(t.bank_side.err.find("\"event\":\"mac_failed\""), std::string::npos) << t.bank_side.err;
}

}  // namespace
}  // namespace sy::testing
