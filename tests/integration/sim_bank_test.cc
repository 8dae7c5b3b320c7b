// `switchyard sim bank` over real sockets, spoken to with the production ISO 8583 codec: sign-on,
// approvals and declines, injected faults, garbage from the switch's side, the settlement file,
// and the development TAK it MACs under when run without a file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/fatal.h"
#include "hsm/primitives.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/specs.h"
#include "routing/sim/development_tak.h"
#include "tests/integration/background_process.h"

namespace sy::testing {
namespace {

namespace iso = protocol::iso8583;

// A blocking TCP client of the simulator, as the switch's side of the link.
class link_client {
 public:
  explicit link_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~link_client() { ::close(fd_); }
  link_client(const link_client&) = delete;
  link_client& operator=(const link_client&) = delete;

  bool connected() const { return connected_; }

  void send_raw(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // Sends `mti` with `fields`; with a `tak` (3DES), the MAC of the bytes before ends it, in DE 64,
  // or DE 128 when a field above 64 needs the secondary bitmap, as the switch's link sends it.
  void send(const std::string& mti, const std::map<int, std::string>& fields,
            const hsm::secure_bytes* tak = nullptr) {
    iso::message msg;
    msg.set_mti(mti);
    for (const auto& [f, v] : fields) msg.set(static_cast<std::size_t>(f), v);
    static constexpr char placeholder[8] = {};
    const std::size_t mac_field = fields.rbegin()->first > 64 ? 128 : 64;
    if (tak != nullptr) msg.set(mac_field, std::string_view(placeholder, sizeof placeholder));
    std::string out(4096, '\0');
    const auto size = iso::pack(iso::iso87(), msg, std::span(out).subspan(2));
    ASSERT_TRUE(size) << size.error().message();
    if (tak != nullptr) {
      auto* bytes = reinterpret_cast<std::uint8_t*>(out.data() + 2);
      const auto mac =
          hsm::primitives::message_mac(hsm::key_algorithm::tdes, tak->view(), {bytes, *size - 8});
      ASSERT_TRUE(mac);
      std::copy(mac->begin(), mac->end(), bytes + *size - 8);
    }
    ASSERT_TRUE(iso::encode_frame_prefix(iso::framing::binary2, *size, 8192, out));
    out.resize(2 + *size);
    send_raw(out);
  }

  // The next frame's payload; empty on timeout, and `closed` set when the peer closed.
  std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
      const auto frame = iso::decode_frame(iso::framing::binary2, buffer_, 65535);
      if (frame && frame->complete) {
        std::string payload = buffer_.substr(frame->payload_offset, frame->payload_size);
        buffer_.erase(0, frame->payload_offset + frame->payload_size);
        return payload;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) closed = true;
      if (n <= 0) return {};
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Receives one message and unpacks it into `out` (views into `wire`).
  bool receive_message(iso::message& out, std::string& wire) {
    wire = receive();
    return !wire.empty() && iso::unpack(iso::iso87(), wire, out).has_value();
  }

  bool closed = false;

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::map<int, std::string> sale(const std::string& amount, const std::string& rrn,
                                const std::string& stan) {
  return {{2, "4111111111111111"}, {3, "000000"}, {4, amount},
          {7, "1121231845"},       {11, stan},    {37, rrn},
          {41, "TERM0001"},        {49, "978"}};
}

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sy-sim-it-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A running `switchyard sim bank` on a free port, with a config file (empty by default, so no
// MAC), or with none (`with_file` false: its development default, MACs on).
class SimBank : public ::testing::Test {
 protected:
  void start(const std::string& toml = {}, std::vector<std::string> extra = {},
             bool with_file = true) {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::vector<std::string> argv{switchyard_binary(), "sim", "bank", "--listen", "127.0.0.1:0"};
    if (with_file) {
      std::ofstream(dir_ / "sim.toml") << toml;
      argv.insert(argv.end(), {"--config", (dir_ / "sim.toml").string()});
    }
    for (auto& arg : extra) {
      if (arg.starts_with("{dir}")) arg = dir_.string() + arg.substr(5);
      argv.push_back(arg);
    }
    sim_ = std::make_unique<background_process>(argv);
    const std::string line = sim_->read_line();
    ASSERT_TRUE(line.starts_with("listening 127.0.0.1:")) << line;
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  }

  void TearDown() override {
    sim_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<background_process> sim_;
  std::uint16_t port_ = 0;
};

TEST_F(SimBank, SignOnEchoAndSignOffAreAnswered) {
  start();
  link_client link(port_);
  ASSERT_TRUE(link.connected());
  iso::message m;
  std::string wire;
  for (const std::string code : {"001", "301", "002"}) {
    link.send("0800", {{7, "1121231845"}, {11, "000001"}, {70, code}});
    ASSERT_TRUE(link.receive_message(m, wire));
    EXPECT_EQ(m.mti(), "0810");
    EXPECT_EQ(m.get(70), code);
    EXPECT_EQ(m.get(39), "00");
  }
  EXPECT_EQ(sim_->stop(SIGTERM).exit_code, 0);
}

TEST_F(SimBank, WithoutAFileItMacsUnderTheDevelopmentTakAndIgnoresUnsignedRequests) {
  start({}, {}, false);
  const auto tak = hsm::from_hex(routing::sim::development_tak_hex);
  ASSERT_TRUE(tak);
  link_client link(port_);
  iso::message m;
  std::string wire;
  link.send("0800", {{7, "1121231845"}, {11, "000001"}, {70, "001"}}, &*tak);
  ASSERT_TRUE(link.receive_message(m, wire));
  EXPECT_EQ(m.mti(), "0810");
  EXPECT_EQ(m.get(39), "00");
  ASSERT_TRUE(m.has(128));  // DE 70 needs the secondary bitmap
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(wire.data());
  const auto mac =
      hsm::primitives::message_mac(hsm::key_algorithm::tdes, tak->view(), {bytes, wire.size() - 8});
  ASSERT_TRUE(mac);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(mac->data()), 8), m.get(128));
  // Unsigned: no answer, the link stays up.
  link.send("0800", {{7, "1121231845"}, {11, "000002"}, {70, "301"}});
  EXPECT_TRUE(link.receive(std::chrono::milliseconds(300)).empty());
  EXPECT_FALSE(link.closed);
  const auto r = sim_->stop(SIGTERM);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("\"event\":\"development_tak\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"event\":\"mac_failed\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"network\":1,"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"mac_failures\":1}"), std::string::npos) << r.err;
}

TEST_F(SimBank, ApprovesAndDeclinesByAmountEchoingTheMatchingFields) {
  start();
  link_client link(port_);
  iso::message m;
  std::string wire;
  link.send("0200", sale("000000001000", "000000000001", "000001"));
  ASSERT_TRUE(link.receive_message(m, wire));
  EXPECT_EQ(m.mti(), "0210");
  EXPECT_EQ(m.get(39), "00");
  EXPECT_EQ(m.get(11), "000001");
  EXPECT_EQ(m.get(37), "000000000001");
  EXPECT_EQ(m.get(41), "TERM0001");
  EXPECT_EQ(m.get(38).size(), 6u);
  for (const auto& [amount, code] : std::map<std::string, std::string>{{"000000001051", "51"},
                                                                       {"000000001005", "05"},
                                                                       {"000000001014", "14"},
                                                                       {"000000001054", "54"},
                                                                       {"000000001091", "91"},
                                                                       {"000000001096", "96"}}) {
    link.send("0100", sale(amount, "0000000001" + code, "0001" + code));
    ASSERT_TRUE(link.receive_message(m, wire));
    EXPECT_EQ(m.mti(), "0110");
    EXPECT_EQ(m.get(39), code) << amount;
    EXPECT_EQ(m.get(11), "0001" + code);
  }
}

TEST_F(SimBank, TimeoutFaultLeavesFinancialRequestsUnansweredButSignOnWorks) {
  start("[faults]\ntimeout_rate = 1.0\n");
  link_client link(port_);
  iso::message m;
  std::string wire;
  link.send("0800", {{11, "000001"}, {70, "001"}});
  ASSERT_TRUE(link.receive_message(m, wire));
  link.send("0200", sale("000000001000", "000000000001", "000002"));
  EXPECT_TRUE(link.receive(std::chrono::milliseconds(300)).empty());
  EXPECT_FALSE(link.closed);
  const auto r = sim_->stop(SIGINT);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("\"timeouts\":1"), std::string::npos) << r.err;
}

TEST_F(SimBank, DisconnectAndMalformedFaultsAsConfigured) {
  start("[faults]\ndisconnect_rate = 1.0\n");
  link_client link(port_);
  link.send("0200", sale("000000001000", "000000000001", "000001"));
  EXPECT_TRUE(link.receive().empty());
  EXPECT_TRUE(link.closed);
  sim_->stop(SIGTERM);

  start("[faults]\nmalformed_rate = 1.0\n");
  link_client second(port_);
  second.send("0200", sale("000000001000", "000000000001", "000001"));
  const std::string garbage = second.receive();
  ASSERT_FALSE(garbage.empty());
  iso::message m;
  EXPECT_FALSE(iso::unpack(iso::iso87(), garbage, m));
}

TEST_F(SimBank, SurvivesGarbageFromTheSwitchSide) {
  start();
  link_client link(port_);
  iso::message m;
  std::string wire;
  // A well-framed payload that is no message: ignored, the link stays up.
  link.send_raw(std::string("\x00\x05", 2) + "\xff\x01zz!");
  link.send("0800", {{11, "000009"}, {70, "301"}});
  ASSERT_TRUE(link.receive_message(m, wire));
  EXPECT_EQ(m.get(11), "000009");
  // A frame larger than the bank accepts: no way to resynchronise, the connection closes.
  link.send_raw(std::string("\xff\xff", 2) + std::string(100, 'A'));
  EXPECT_TRUE(link.receive().empty());
  EXPECT_TRUE(link.closed);
  // The bank itself lives on.
  link_client again(port_);
  again.send("0800", {{11, "000010"}, {70, "301"}});
  ASSERT_TRUE(again.receive_message(m, wire));
  EXPECT_EQ(m.get(39), "00");
  const auto r = sim_->stop(SIGTERM);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("\"unreadable\":1"), std::string::npos) << r.err;
}

TEST_F(SimBank, WritesTheSettlementFileAtShutdown) {
  start({}, {"--settlement-dir", "{dir}/settlement", "--business-date", "2026-11-21"});
  link_client link(port_);
  iso::message m;
  std::string wire;
  link.send("0200", sale("000000001000", "000000000001", "000001"));
  ASSERT_TRUE(link.receive_message(m, wire));
  const std::string authorization(m.get(38));
  link.send("0200", sale("000000002000", "000000000002", "000002"));
  ASSERT_TRUE(link.receive_message(m, wire));
  link.send("0200", sale("000000003051", "000000000003", "000003"));  // declined
  ASSERT_TRUE(link.receive_message(m, wire));
  auto reversal = sale("000000002000", "000000000002", "000004");
  link.send("0400", reversal);
  ASSERT_TRUE(link.receive_message(m, wire));
  EXPECT_EQ(m.mti(), "0410");
  const auto r = sim_->stop(SIGTERM);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto file = dir_ / "settlement" / "bank_bank_20261121.csv";
  EXPECT_NE(r.out.find("settlement " + file.string()), std::string::npos) << r.out;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "rrn,stan,event_type,amount,currency,authorization_code,business_date\n"
            "000000000001,000001,sale,1000,EUR," +
                authorization + ",2026-11-21\n");
  EXPECT_TRUE(std::filesystem::exists(file.string() + ".sha256"));
}

TEST_F(SimBank, InjectsSettlementDiscrepanciesFromItsConfig) {
  start(
      "[settlement]\nchannel = \"bank_a\"\nbusiness_date = \"2026-11-21\"\n"
      "[settlement.discrepancies]\nextra = 1\nduplicate = 1\n",
      {"--settlement-dir", "{dir}/out"});
  link_client link(port_);
  iso::message m;
  std::string wire;
  link.send("0200", sale("000000001000", "000000000001", "000001"));
  ASSERT_TRUE(link.receive_message(m, wire));
  const auto r = sim_->stop(SIGTERM);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(dir_ / "out" / "bank_bank_a_20261121.csv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u);  // header, the sale twice, one made-up row
  EXPECT_EQ(rows[1], rows[2]);
  EXPECT_TRUE(rows[1].starts_with("000000000001,000001,sale,1000,EUR,"));
  EXPECT_TRUE(rows[3].starts_with("X"));
}

TEST_F(SimBank, BadConfigIsRefusedWithKeyValueAndBound) {
  dir_ = temp_dir("bad-config");
  std::ofstream(dir_ / "sim.toml") << "[faults]\ntimeout_rate = 2\n";
  const auto r =
      run_process({switchyard_binary(), "sim", "bank", "--config", (dir_ / "sim.toml").string()});
  EXPECT_EQ(r.exit_code, static_cast<int>(exit_code::bad_config));
  EXPECT_NE(r.err.find("faults.timeout_rate: 2 is above the maximum 1"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace sy::testing
