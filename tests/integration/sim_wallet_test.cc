// `switchyard sim wallet` as a process: it announces its port, answers a charge signed as the
// switch signs it (HMAC-SHA256 computed here with OpenSSL, independently of the production
// code), refuses a bad signature, and stops on SIGTERM with its counts on stderr.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <string>

#include "tests/integration/background_process.h"

namespace sy::testing {
namespace {

const std::string secret_hex(64, '5');  // 32 bytes of 0x55

std::string hmac_base64(const std::string& data) {
  const std::string key(32, '\x55');
  unsigned char mac[32];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  unsigned char out[64];
  EVP_EncodeBlock(out, mac, static_cast<int>(size));
  return reinterpret_cast<const char*>(out);
}

// One HTTP exchange on a fresh connection; the whole answer as text.
std::string http_exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, n);
  ::close(fd);
  return answer;
}

std::string signed_charge(const std::string& body, bool tamper) {
  const std::string ts = std::to_string(std::time(nullptr));
  const std::string nonce = "integration-nonce-01";
  const std::string sig = hmac_base64(ts + "\n" + nonce + "\nPOST\n/charges\n" + body + "\n");
  return "POST /charges HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nSy-Timestamp: " +
         ts + "\r\nSy-Nonce: " + nonce + "\r\nSy-Signature: " + sig +
         "\r\nContent-Length: " + std::to_string(body.size() + (tamper ? 1 : 0)) + "\r\n\r\n" +
         body + (tamper ? " " : "");
}

TEST(SimWalletCli, AnswersSignedChargesAndStopsOnSigterm) {
  background_process sim(
      {SY_SWITCHYARD_BINARY, "sim", "wallet", "--listen", "127.0.0.1:0", "--secret", secret_hex});
  const std::string line = sim.read_line();
  ASSERT_TRUE(line.starts_with("listening 127.0.0.1:")) << line;
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  const std::string body =
      R"({"id":"pay_1","amount":1000,"currency":"CNY","provider":"alipay","account":"a@b",)"
      R"("merchant_id":"m1","description":""})";
  const std::string ok = http_exchange(port, signed_charge(body, false));
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200")) << ok;
  EXPECT_NE(ok.find("\"status\":\"succeeded\""), std::string::npos) << ok;
  EXPECT_NE(ok.find("Sy-Signature: "), std::string::npos) << ok;
  EXPECT_TRUE(http_exchange(port, signed_charge(body, true)).starts_with("HTTP/1.1 401")) << ok;
  const auto result = sim.stop(SIGTERM);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("\"charges\":1,"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("\"bad_signatures\":1,"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(secret_hex), std::string::npos);
}

TEST(SimWalletCli, RefusesAMissingSecret) {
  background_process sim({SY_SWITCHYARD_BINARY, "sim", "wallet", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(sim.read_line(), "");
  const auto result = sim.stop(SIGTERM);
  EXPECT_NE(result.err.find("secret: is not hex"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace sy::testing
