// The merchant listener's TLS stream in the real binary: hostile bytes at every stage of a
// connection (not TLS, a handshake cut off or stalled, a forged or truncated record, a client gone
// before its answer) end that connection only; requests in many small records, pipelined requests
// split across records, and answers in one record or over several arrive whole.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/merchant_client.h"
#include "tests/integration/switch_fixture.h"

namespace sy::testing {
namespace {

namespace json = boost::json;

const merchant_key m1{"key_m1", std::string(40, 'a')};

std::string card_payment(std::int64_t amount, const std::string& reference,
                         const std::string& metadata = "{}") {
  return R"({"amount":)" + std::to_string(amount) + R"(,"currency":"CNY","merchant_reference":")" +
         reference + R"(","metadata":)" + metadata +
         R"(,"payment_method":{"type":"card","card":{"number":")" + test_pan +
         R"(","exp_month":12,"exp_year":2030,"cvc":"123"}}})";
}

// The largest metadata a payment may carry: 20 values of 400 characters (about 8 KiB).
std::string large_metadata() {
  std::string out = "{";
  for (int i = 0; i < 20; ++i) {
    if (i > 0) out += ',';
    out += "\"k" + std::to_string(i) + "\":\"" + std::string(400, static_cast<char>('a' + i)) + '"';
  }
  return out + "}";
}

// A TLS record header announcing a 256-byte ClientHello, and the start of it: a handshake that
// has begun and is not finished.
std::string partial_client_hello() {
  std::string bytes("\x16\x03\x01\x01\x00\x01\x00\x00\xfc\x03\x03", 11);
  return bytes + std::string(32, '\x5a');
}

class MerchantTls : public SwitchWithBank {
 protected:
  void SetUp() override {
    SwitchWithBank::SetUp();
    // A bank simulator without MACs, answering after 1 ms.
    const std::string plain_bank = "[latency]\ndistribution = \"fixed\"\nfixed_us = 1000\n";
    bank_ = start_bank("127.0.0.1:0", &plain_bank);
    write_config("");
    std::ofstream(config_path(), std::ios::app) << unlimited_merchant_toml("m1", m1);
    make_keys();
    switch_ = start_switch();
    ASSERT_NE(merchant_port_, 0);
    wait_ready();
  }

  // The value of the metric line that starts with `name` (labels included); -1 without one.
  long metric(const std::string& name) {
    const auto body = plain_get(admin_port_, "/metrics").body;
    const auto at = body.find(name + " ");
    return at == std::string::npos ? -1 : std::stol(body.substr(at + name.size() + 1));
  }

  void expect_served() {
    EXPECT_EQ(post(m1, "/v1/payments", card_payment(1099, "after"), fresh_nonce()).status, 201);
  }
};

TEST_F(MerchantTls, BytesThatAreNotTlsAndHandshakesCutOffOrStalledEndOnlyTheirConnection) {
  const std::string handshake_failures = R"(sy_http_refused_total{reason="tls_handshake"})";
  const long failed_before = metric(handshake_failures);
  ASSERT_GE(failed_before, 0);
  // Stalled mid-handshake: open through the rest of the test, closed at the handshake deadline.
  raw_connection stalled(merchant_port_);
  ASSERT_TRUE(stalled.send(partial_client_hello()));
  {
    raw_connection plain_http(merchant_port_);
    ASSERT_TRUE(plain_http.send("GET /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    EXPECT_TRUE(plain_http.closed_by_server(std::chrono::seconds(3)));
  }
  {
    raw_connection garbage(merchant_port_);
    ASSERT_TRUE(garbage.send(std::string("\x16\x03\x01\x00\x20", 5) + std::string(32, '\xff')));
    EXPECT_TRUE(garbage.closed_by_server(std::chrono::seconds(3)));
  }
  {
    raw_connection cut_off(merchant_port_);
    ASSERT_TRUE(cut_off.send(partial_client_hello()));
    cut_off.shutdown_write();
    EXPECT_TRUE(cut_off.closed_by_server(std::chrono::seconds(3)));
  }
  { raw_connection silent(merchant_port_); }  // connects and leaves at once
  expect_served();                            // while the stalled handshake waits
  EXPECT_TRUE(stalled.closed_by_server(std::chrono::seconds(8)));
  expect_served();
  for (int i = 0; i < 50 && metric(handshake_failures) < failed_before + 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(metric(handshake_failures), failed_before + 5);
}

TEST_F(MerchantTls, AForgedOrTruncatedRecordAfterTheHandshakeEndsOnlyItsConnection) {
  {
    tls_connection forged(merchant_port_, ca_path());
    ASSERT_TRUE(forged.connected());
    ASSERT_TRUE(forged.send_raw(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, '\x01')));
    EXPECT_TRUE(forged.closed_by_server(std::chrono::seconds(3)));
  }
  {
    tls_connection truncated(merchant_port_, ca_path());
    ASSERT_TRUE(truncated.connected());
    ASSERT_TRUE(truncated.send_raw(std::string("\x17\x03\x03\x00\x40", 5) + std::string(10, 'x')));
    truncated.shutdown_write();
    EXPECT_TRUE(truncated.closed_by_server(std::chrono::seconds(3)));
  }
  {
    // Half a request in its own record, then a record cut off and the end of the stream.
    tls_connection mid_request(merchant_port_, ca_path());
    ASSERT_TRUE(mid_request.connected());
    const auto request = signed_request(m1, {"POST", "/v1/payments", card_payment(5, "mid"), "m"});
    ASSERT_TRUE(mid_request.send(request.substr(0, request.size() / 2)));
    ASSERT_TRUE(mid_request.send_raw(std::string("\x17\x03\x03\x01\x00", 5) + "partial"));
    mid_request.shutdown_write();
    EXPECT_TRUE(mid_request.closed_by_server(std::chrono::seconds(3)));
  }
  {
    // The client's close_notify between requests: a clean end, answered with the server's.
    tls_connection goodbye(merchant_port_, ca_path());
    ASSERT_TRUE(goodbye.send(signed_request(m1, {"GET", "/v1/payments", "", {}})));
    ASSERT_EQ(goodbye.read().status, 200);
    ASSERT_TRUE(goodbye.send_close_notify());
    EXPECT_TRUE(goodbye.closed_by_server(std::chrono::seconds(3)));
  }
  expect_served();
}

// The answers go to sockets the clients have closed (and reset: their TLS session tickets are
// unread): each write fails, and the switch serves on.
TEST_F(MerchantTls, AClientGoneBeforeItsAnswerCostsOnlyItsConnection) {
  for (int i = 0; i < 10; ++i) {
    tls_connection gone(merchant_port_, ca_path());
    ASSERT_TRUE(gone.send(signed_request(
        m1, {"POST", "/v1/payments", card_payment(100 + i, "gone"), "gone-" + std::to_string(i)})));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the answers meet closed sockets
  expect_served();
}

TEST_F(MerchantTls, PipelinedRequestsSplitAcrossRecordsAreAnsweredInOrder) {
  tls_connection c(merchant_port_, ca_path());
  std::string nonces[3];
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    bytes += signed_request(
        m1, {"POST", "/v1/payments", card_payment(300 + i, "split"), "split-" + std::to_string(i)},
        &nonces[i]);
  }
  // The first record holds the first request and a part of the second; a record then splits the
  // third request's head.
  const std::size_t cut = bytes.size() / 2;
  ASSERT_TRUE(c.send(bytes.substr(0, cut)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(c.send_in_records(bytes.substr(cut), 97));
  for (int i = 0; i < 3; ++i) {
    const auto r = c.read();
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(json::parse(r.body).as_object().at("amount").as_int64(), 300 + i);
    EXPECT_TRUE(answer_signed_by(m1, nonces[i], r));
  }
}

// An answer's head and body go out as one TLS record when they fit in one.
TEST_F(MerchantTls, AnAnswerThatFitsInARecordIsOneRecord) {
  tls_connection c(merchant_port_, ca_path());
  ASSERT_TRUE(c.send(signed_request(m1, {"GET", "/v1/payments", "", {}})));
  const auto record = c.read_record();
  const auto head_end = record.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << record;
  EXPECT_TRUE(record.starts_with("HTTP/1.1 200 ")) << record;
  const auto length_at = record.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos) << record;
  const std::size_t length = std::stoul(record.substr(length_at + 16));
  EXPECT_GT(length, 0u);
  EXPECT_EQ(record.size(), head_end + 4 + length) << "the body is not in the head's record";
}

// Requests of about 8 KiB, each sent in 64-byte records, and a list of four of them (about
// 34 KiB) that needs three records: every byte arrives once, in order, and the answer is signed.
TEST_F(MerchantTls, ABodyInManySmallRecordsAndAnAnswerOverSeveralRecordsArriveWhole) {
  const std::string metadata = large_metadata();
  constexpr int count = 4;
  for (int i = 0; i < count; ++i) {
    tls_connection c(merchant_port_, ca_path());
    std::string nonce;
    const auto request =
        signed_request(m1,
                       {"POST", "/v1/payments", card_payment(500 + i, "big", metadata),
                        "big-" + std::to_string(i)},
                       &nonce);
    ASSERT_GT(request.size(), 8000u);
    ASSERT_TRUE(c.send_in_records(request, 64));
    const auto r = c.read();
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_TRUE(answer_signed_by(m1, nonce, r));
  }
  tls_connection c(merchant_port_, ca_path());
  std::string nonce;
  ASSERT_TRUE(c.send(
      signed_request(m1, {"GET", "/v1/payments?merchant_reference=big&limit=4", "", {}}, &nonce)));
  const auto first = c.read_record();
  EXPECT_EQ(first.size(), 16384u) << "a full record first";
  std::string answer = first;
  const auto head_end = answer.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  const auto length_at = answer.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos);
  const std::size_t length = std::stoul(answer.substr(length_at + 16));
  ASSERT_GT(length, 2 * 16384u);
  while (answer.size() < head_end + 4 + length) {
    const auto more = c.read_record();
    ASSERT_FALSE(more.empty()) << "the answer stopped after " << answer.size() << " bytes";
    answer += more;
  }
  EXPECT_EQ(answer.size(), head_end + 4 + length);
  http_reply reply;
  reply.status = 200;
  reply.body = answer.substr(head_end + 4);
  const auto sig_at = answer.find("Sy-Signature: ");
  ASSERT_NE(sig_at, std::string::npos) << answer.substr(0, head_end);
  reply.headers["sy-signature"] =
      answer.substr(sig_at + 14, answer.find("\r\n", sig_at) - sig_at - 14);
  EXPECT_TRUE(answer_signed_by(m1, nonce, reply));
  const auto list = json::parse(reply.body).as_object();
  ASSERT_EQ(list.at("data").as_array().size(), static_cast<std::size_t>(count));
  for (const auto& payment : list.at("data").as_array()) {
    EXPECT_EQ(payment.as_object().at("metadata"), json::parse(metadata));
  }
}

}  // namespace
}  // namespace sy::testing
