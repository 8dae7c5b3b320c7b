// The bank simulator's server in process: plain TCP, TLS, and mutual TLS refusing a switch
// without a certificate. Certificates are made here with OpenSSL, so no files ship with the test.
#include "routing/sim/bank_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <thread>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"
#include "tests/routing/tls_test_support.h"

namespace sy::routing::sim {
namespace {

namespace asio = boost::asio;
namespace iso = protocol::iso8583;
using tcp = asio::ip::tcp;

std::string echo_frame() {
  iso::message msg;
  msg.set_mti("0800");
  msg.set(11, "000001");
  msg.set(70, "301");
  std::string frame(256, '\0');
  const auto size = iso::pack(iso::iso87(), msg, std::span(frame).subspan(2));
  frame[0] = 0;
  frame[1] = static_cast<char>(*size);
  frame.resize(2 + *size);
  return frame;
}

// Sends one echo on `stream` and returns the answer's DE 39 (empty on any error).
template <class Stream>
std::string echo(Stream& stream) {
  boost::system::error_code ec;
  asio::write(stream, asio::buffer(echo_frame()), ec);
  char prefix[2];
  asio::read(stream, asio::buffer(prefix), ec);
  if (ec) return {};
  std::string payload(
      static_cast<unsigned char>(prefix[0]) * 256u + static_cast<unsigned char>(prefix[1]), '\0');
  asio::read(stream, asio::buffer(payload), ec);
  iso::message answer;
  if (ec || !iso::unpack(iso::iso87(), payload, answer)) return {};
  return std::string(answer.get(39));
}

class SimBankServer : public ::testing::Test {
 protected:
  SimBankServer()
      : dir_(std::filesystem::temp_directory_path() /
             ("sy-sim-server-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
    test::make_certificate(dir_, "sim-bank");
  }
  ~SimBankServer() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove_all(dir_);
  }

  // Starts the server on a free port (with TLS when `tls` has a certificate).
  void start(const sim_tls_settings& tls = {}) {
    bank_ = std::make_unique<bank_responder>(bank_config{});
    server_ = std::make_unique<bank_server>(*bank_);
    if (!tls.certificate_path.empty()) {
      ASSERT_TRUE(server_->use_tls(tls));
    }
    const auto bound = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(bound);
    port_ = static_cast<std::uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
    thread_ = std::thread([this] { server_->run(); });
  }

  sim_tls_settings tls_settings(bool mutual) const {
    return {(dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
            mutual ? (dir_ / "cert.pem").string() : std::string()};
  }

  std::filesystem::path dir_;
  std::unique_ptr<bank_responder> bank_;
  std::unique_ptr<bank_server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  asio::io_context client_io_;
};

TEST_F(SimBankServer, AnswersOverPlainTcp) {
  start();
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port_});
  EXPECT_EQ(echo(socket), "00");
}

TEST_F(SimBankServer, AnswersOverTls) {
  start(tls_settings(false));
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file((dir_ / "cert.pem").string());
  context.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket> stream(client_io_, context);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  stream.handshake(asio::ssl::stream_base::client);
  EXPECT_EQ(echo(stream), "00");
}

TEST_F(SimBankServer, MutualTlsRefusesASwitchWithoutCertificateAndAcceptsOneWithIt) {
  start(tls_settings(true));
  asio::ssl::context anonymous(asio::ssl::context::tls_client);
  asio::ssl::stream<tcp::socket> refused(client_io_, anonymous);
  refused.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  boost::system::error_code ec;
  refused.handshake(asio::ssl::stream_base::client, ec);
  // TLS 1.3 reports the refusal at the first read rather than in the handshake.
  EXPECT_TRUE(ec || echo(refused).empty());

  asio::ssl::context known(asio::ssl::context::tls_client);
  known.use_certificate_chain_file((dir_ / "cert.pem").string());
  known.use_private_key_file((dir_ / "key.pem").string(), asio::ssl::context::pem);
  asio::ssl::stream<tcp::socket> accepted(client_io_, known);
  accepted.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  accepted.handshake(asio::ssl::stream_base::client);
  EXPECT_EQ(echo(accepted), "00");
}

TEST_F(SimBankServer, UnreadableCertificateIsAnError) {
  bank_responder bank(bank_config{});
  bank_server server(bank);
  EXPECT_FALSE(server.use_tls({(dir_ / "missing.pem").string(), (dir_ / "key.pem").string(), {}}));
}

}  // namespace
}  // namespace sy::routing::sim
