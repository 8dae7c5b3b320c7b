// What `make run` does for a newcomer: scripts/run-dev.sh in a fresh directory starts the
// simulated bank, the simulated wallet and the switch on its embedded default; the example it
// prints (scripts/pay.sh) pays, signed, and verifies the answer's signature; a SIGTERM to the
// script stops all three. It needs the default's fixed ports, so it skips when they are taken.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/integration/background_process.h"
#include "tests/integration/process.h"

namespace sy::testing {
namespace {

constexpr std::uint16_t default_ports[] = {8443, 9090, 8583, 8600};

bool port_in_use(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return connected;
}

bool any_default_port_in_use() {
  for (const auto port : default_ports) {
    if (port_in_use(port)) return true;
  }
  return false;
}

TEST(MakeRun, StartsTheSimulatorsAndTheSwitchAndThePrintedExamplePays) {
  if (any_default_port_in_use()) GTEST_SKIP() << "a default port is taken (is `make run` up?)";
  const auto dir =
      std::filesystem::temp_directory_path() / ("sy-make-run-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ::setenv("SWITCHYARD", switchyard_binary().c_str(), 1);
  const std::string scripts = SY_SOURCE_DIR "/scripts/";

  background_process dev({"/bin/bash", scripts + "run-dev.sh"}, dir.string());
  const auto said = dev.read_until("signed on", std::chrono::seconds(60));
  ASSERT_NE(said.find("switchyard: channel bank_sim signed on"), std::string::npos) << said;
  EXPECT_NE(said.find("scripts/pay.sh"), std::string::npos) << "no example printed";

  const auto paid = run_process({"/bin/bash", scripts + "pay.sh"}, {}, dir.string());
  EXPECT_EQ(paid.exit_code, 0) << paid.out << paid.err;
  EXPECT_NE(paid.out.find("HTTP 201"), std::string::npos) << paid.out;
  EXPECT_NE(paid.out.find(R"("status":"captured")"), std::string::npos) << paid.out;
  EXPECT_NE(paid.out.find("Sy-Signature verified"), std::string::npos) << paid.out;
  EXPECT_EQ(paid.out.find("4111111111111111"), std::string::npos) << "a PAN in the answer";

  const auto declined =
      run_process({"/bin/bash", scripts + "pay.sh", "1051", "CNY"}, {}, dir.string());
  EXPECT_EQ(declined.exit_code, 0) << declined.err;
  EXPECT_NE(declined.out.find(R"("decline_code":"insufficient_funds")"), std::string::npos)
      << declined.out;

  const auto refused = run_process({"/bin/bash", scripts + "pay.sh", "10.99"}, {}, dir.string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("AMOUNT must be a whole number of minor units"), std::string::npos)
      << refused.err;

  const auto stopped = dev.stop(SIGTERM);
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  EXPECT_NE(stopped.out.find("switchyard: stopped"), std::string::npos) << stopped.out;
  EXPECT_EQ(stopped.err.find("4111111111111111"), std::string::npos) << "a PAN in the log";
  bool released = false;
  for (int i = 0; i < 100 && !released; ++i) {
    released = !any_default_port_in_use();
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(released) << "a process of `make run` outlived the script";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sy::testing
