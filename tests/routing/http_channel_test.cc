// The HTTP channel against the wallet simulator over real sockets on 127.0.0.1: sync approvals
// and declines, async acceptance with a verified callback, status queries, timeouts, a provider
// that is down, hostile answers, keep-alive reuse and reconnects, back-pressure.
#include "routing/http/http_channel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "routing/http/errc.h"
#include "routing/http/provider_signature.h"
#include "routing/sim/wallet_server.h"
#include "tests/routing/tls_test_support.h"
#include "tests/routing/wallet_test_support.h"

namespace sy::routing::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

constexpr auto wait_max = std::chrono::seconds(10);

// The wallet simulator in process, serving on its own thread.
class wallet_sim {
 public:
  // `toml` may carry a [tls] table: the simulator then serves https.
  explicit wallet_sim(const std::string& toml,
                      const std::string& secret = testing::wallet_secret_hex,
                      std::uint16_t port = 0) {
    sim::wallet_config config;
    const auto errors =
        sim::parse_wallet_config("secret = \"" + secret + "\"\n" + toml, "t", config);
    EXPECT_TRUE(errors.empty()) << errors.front();
    responder_ = std::make_unique<sim::wallet_responder>(config);
    server_ = std::make_unique<sim::wallet_server>(*responder_);
    const bool https = !config.tls.certificate_path.empty();
    if (https) {
      EXPECT_TRUE(server_->use_tls(config.tls));
    }
    auto bound = server_->listen("127.0.0.1", port);
    EXPECT_TRUE(bound);
    url_ = (https ? "https://" : "http://") + *bound;
    thread_ = std::thread([this] { server_->run(); });
  }
  ~wallet_sim() {
    server_->stop();
    thread_.join();
  }
  wallet_sim(const wallet_sim&) = delete;
  wallet_sim& operator=(const wallet_sim&) = delete;

  const std::string& url() const { return url_; }
  sim::wallet_server& server() { return *server_; }

 private:
  std::unique_ptr<sim::wallet_responder> responder_;
  std::unique_ptr<sim::wallet_server> server_;
  std::string url_;
  std::thread thread_;
};

// Results as they are posted, awaited with a deadline.
class results {
 public:
  clearing::store::executor executor() {
    return {this, [](void*, std::function<void()> work) { work(); }};
  }
  http_channel::handler handler() {
    return [this](channel_result r) {
      std::lock_guard lock(mutex_);
      got_.push_back(std::move(r));
      changed_.notify_all();
    };
  }
  // The first `n` results in completion order; fails the test when they do not all arrive.
  std::vector<channel_result> wait(std::size_t n) {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(changed_.wait_for(lock, wait_max, [&] { return got_.size() >= n; }));
    return got_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<channel_result> got_;
};

// A channel on its own io_context thread.
class channel_under_test {
 public:
  explicit channel_under_test(const std::string& base_url, std::int64_t connections = 1,
                              std::int64_t inflight = 64, std::int64_t timeout_ms = 5000,
                              channel_health* health = nullptr,
                              const config::channel_tls& tls = {}) {
    config::channel c;
    c.id = "wallet";
    c.kind = config::channel_kind::http;
    c.base_url = base_url;
    c.signing_key = std::string(testing::wallet_key);
    c.connection_count = connections;
    c.inflight_max = inflight;
    c.request_timeout_ms = timeout_ms;
    c.connect_timeout_ms = 1000;
    c.tls = tls;
    auto made = http_channel::create(io_, c, hsm_.backend(), health);
    EXPECT_TRUE(made) << made.error().message();
    channel_ = std::move(*made);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~channel_under_test() {
    channel_.reset();
    work_.reset();
    thread_.join();
  }
  channel_under_test(const channel_under_test&) = delete;
  channel_under_test& operator=(const channel_under_test&) = delete;

  http_channel& operator*() { return *channel_; }
  http_channel* operator->() { return channel_.get(); }
  hsm::backend& hsm() { return hsm_.backend(); }

  channel_result send(const wallet_request& r) {
    results got;
    channel_->send(r, got.executor(), got.handler());
    auto all = got.wait(1);
    return all.empty() ? channel_result{} : all.front();
  }
  channel_result query(operation op, const std::string& id) {
    results got;
    channel_->query_status(op, id, got.executor(), got.handler());
    auto all = got.wait(1);
    return all.empty() ? channel_result{} : all.front();
  }

 private:
  testing::wallet_hsm hsm_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<http_channel> channel_;
  std::thread thread_;
};

wallet_request charge(std::string id, std::int64_t amount = 1000) {
  return {operation::charge, std::move(id),       "",   {amount, *protocol::find_currency("CNY")},
          "alipay",          "buyer@example.com", "m1", "order 7"};
}

// A port on 127.0.0.1 where nothing listens: bound, then closed.
std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

TEST(HttpChannel, SyncChargeIsApproved) {
  wallet_sim sim("");
  channel_under_test channel(sim.url());
  const auto r = channel.send(charge("pay_1"));
  ASSERT_EQ(r.kind, result_kind::answered) << r.error.message();
  EXPECT_TRUE(std::holds_alternative<clearing::channel_approved>(*r.outcome));
  EXPECT_FALSE(r.reference.empty());
}

TEST(HttpChannel, SyncChargeIsDeclinedWithTheProviderReason) {
  wallet_sim sim("");
  channel_under_test channel(sim.url());
  const auto r = channel.send(charge("pay_1", 1051));
  ASSERT_EQ(r.kind, result_kind::answered) << r.error.message();
  EXPECT_EQ(std::get<clearing::channel_declined>(*r.outcome).code,
            protocol::decline::insufficient_funds);
}

// Receives one callback POST on 127.0.0.1, answers 200, and keeps what came.
class callback_receiver {
 public:
  callback_receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      beast::flat_buffer buffer;
      beast::http::read(socket, buffer, request_, ec);
      beast::http::response<beast::http::string_body> ok{beast::http::status::ok, 11};
      ok.body() = "{}";
      ok.prepare_payload();
      beast::http::write(socket, ok, ec);
    });
  }
  ~callback_receiver() {
    boost::system::error_code ignored;
    if (thread_.joinable()) {
      acceptor_.close(ignored);
      thread_.join();
    }
  }
  callback_receiver(const callback_receiver&) = delete;
  callback_receiver& operator=(const callback_receiver&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/cb/wallet";
  }
  // Waits for the callback (the thread ends after answering it).
  const beast::http::request<beast::http::string_body>& request() {
    thread_.join();
    return request_;
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  beast::http::request<beast::http::string_body> request_;
  std::thread thread_;
};

TEST(HttpChannel, AsyncChargeIsAcceptedThenItsCallbackVerifies) {
  callback_receiver receiver;
  wallet_sim sim("mode = \"async\"\ncallback_url = \"" + receiver.url() + "\"\n");
  channel_under_test channel(sim.url());
  const auto r = channel.send(charge("pay_1"));
  ASSERT_EQ(r.kind, result_kind::accepted) << r.error.message();
  const auto& cb = receiver.request();
  const received_callback c{cb.method_string(), cb.target(),          cb[timestamp_header],
                            cb[nonce_header],   cb[signature_header], cb.body()};
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto object = verify_callback(channel.hsm(), testing::wallet_key, c, now);
  ASSERT_TRUE(object) << object.error().message();
  EXPECT_EQ(object->id, "pay_1");
  EXPECT_EQ(object->status, provider_status::succeeded);
  EXPECT_EQ(object->reference, r.reference);
}

TEST(HttpChannel, LostCallbackIsRecoveredByAStatusQuery) {
  wallet_sim sim(
      "mode = \"async\"\ncallback_url = \"http://127.0.0.1:9/cb\"\n"
      "[faults]\nlost_callback_rate = 1\n");
  channel_under_test channel(sim.url());
  ASSERT_EQ(channel.send(charge("pay_1")).kind, result_kind::accepted);
  // The completion runs on the simulator's timer (delay 0): ask until it is final.
  channel_result status;
  const auto deadline = std::chrono::steady_clock::now() + wait_max;
  do {
    status = channel.query(operation::charge, "pay_1");
  } while (status.kind == result_kind::accepted && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(status.kind, result_kind::answered) << status.error.message();
  EXPECT_TRUE(std::holds_alternative<clearing::channel_approved>(*status.outcome));
  EXPECT_EQ(channel.query(operation::charge, "pay_404").error, errc::unknown_request);
}

TEST(HttpChannel, NoAnswerTimesOutAndTheStatusQueryShowsItWasProcessed) {
  wallet_sim sim("[faults]\ntimeout_rate = 1\n");
  channel_under_test channel(sim.url(), 1, 64, 200);
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::timeout);
  EXPECT_TRUE(std::holds_alternative<clearing::channel_timed_out>(*r.outcome));
  const auto status = channel.query(operation::charge, "pay_1");
  EXPECT_EQ(status.kind, result_kind::answered) << status.error.message();
}

TEST(HttpChannel, ProviderDownIsNotSent) {
  channel_under_test channel("http://127.0.0.1:" + std::to_string(closed_port()));
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::not_sent);
  EXPECT_EQ(r.error, errc::connect_failed);
  EXPECT_TRUE(std::holds_alternative<clearing::channel_failed>(*r.outcome));
}

TEST(HttpChannel, MalformedBodyIsNoAnswer) {
  wallet_sim sim("[faults]\nmalformed_rate = 1\n");
  channel_under_test channel(sim.url());
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::malformed_answer);
}

TEST(HttpChannel, AnswerSignedWithAnotherSecretIsNoAnswer) {
  wallet_sim sim("", testing::other_secret_hex);
  channel_under_test channel(sim.url());
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::bad_signature);
}

TEST(HttpChannel, ServerErrorThenStatusSaysTheProviderNeverSawIt) {
  wallet_sim sim("[faults]\nserver_error_rate = 1\n");
  channel_under_test channel(sim.url());
  EXPECT_EQ(channel.send(charge("pay_1")).error, errc::server_error);
  const auto status = channel.query(operation::charge, "pay_1");
  EXPECT_EQ(status.kind, result_kind::not_sent);
  EXPECT_EQ(status.error, errc::unknown_request);
}

TEST(HttpChannel, KeepAlivePoolCarriesManyRequestsOnConnectionCountConnections) {
  wallet_sim sim("");
  channel_under_test channel(sim.url(), 2);
  results got;
  constexpr std::size_t count = 100;  // within the queue: 2 connections * inflight_max 64
  for (std::size_t i = 0; i < count; ++i) {
    channel->send(charge("pay_" + std::to_string(i)), got.executor(), got.handler());
  }
  const auto all = got.wait(count);
  ASSERT_EQ(all.size(), count);
  for (const auto& r : all) EXPECT_EQ(r.kind, result_kind::answered) << r.error.message();
  EXPECT_EQ(sim.server().stats().connections_accepted, 2u);
  EXPECT_EQ(channel->counters().connects, 2u);
}

TEST(HttpChannel, ADroppedKeepAliveConnectionIsReplacedAndTheRequestRepeated) {
  wallet_sim sim("idle_timeout_ms = 20\n");
  channel_under_test channel(sim.url());
  ASSERT_EQ(channel.send(charge("pay_1")).kind, result_kind::answered);
  // Await the simulator's silent close of the idle connection.
  const auto deadline = std::chrono::steady_clock::now() + wait_max;
  while (sim.server().stats().connections_open != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(sim.server().stats().connections_open, 0u);
  const auto r = channel.send(charge("pay_2"));
  EXPECT_EQ(r.kind, result_kind::answered) << r.error.message();
  EXPECT_EQ(channel->counters().connects, 2u);
}

TEST(HttpChannel, FullQueueCompletesAtOnceAsNotSent) {
  wallet_sim sim("[latency]\nfixed_us = 200000\n");
  channel_under_test channel(sim.url(), 1, 1);
  ASSERT_EQ(channel.send(charge("pay_0")).kind, result_kind::answered);  // connection is up
  results got;
  for (int i = 1; i <= 3; ++i) {
    channel->send(charge("pay_" + std::to_string(i)), got.executor(), got.handler());
  }
  const auto all = got.wait(3);
  ASSERT_EQ(all.size(), 3u);
  // One on the wire, one waiting (connection_count * inflight_max = 1), the third refused first.
  EXPECT_EQ(all[0].kind, result_kind::not_sent);
  EXPECT_EQ(all[0].error, errc::queue_full);
  EXPECT_EQ(all[1].kind, result_kind::answered);
  EXPECT_EQ(all[2].kind, result_kind::answered);
}

// A peer that answers every request with `answer`, whatever it is.
class raw_server {
 public:
  explicit raw_server(std::string answer)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, answer = std::move(answer)] {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      std::string in;
      asio::read_until(socket, asio::dynamic_buffer(in), "\r\n\r\n", ec);
      asio::write(socket, asio::buffer(answer), ec);
      char sink[256];
      socket.read_some(asio::buffer(sink), ec);  // until the channel closes
    });
  }
  ~raw_server() { thread_.join(); }
  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST(HttpChannel, GarbageInsteadOfHttpIsMalformedHttp) {
  raw_server peer("SMTP ready\r\n\r\n");
  channel_under_test channel(peer.url());
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::malformed_http);
}

TEST(HttpChannel, AHugeAnswerIsRefusedAtTheCap) {
  raw_server peer("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n");
  channel_under_test channel(peer.url());
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::timed_out);
  EXPECT_EQ(r.error, errc::answer_too_large);
}

TEST(HttpChannel, AnUnencodableRequestIsNotSent) {
  channel_under_test channel("http://127.0.0.1:" + std::to_string(closed_port()));
  EXPECT_EQ(channel.send(charge("pay/1")).error, errc::bad_request_value);
  EXPECT_EQ(channel.query(operation::charge, "../x").error, errc::bad_request_value);
}

// Polls `done` every 10 ms for up to wait_max.
bool eventually(const std::function<bool()>& done) {
  for (const auto deadline = std::chrono::steady_clock::now() + wait_max;
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
    if (done()) return true;
  }
  return done();
}

// A directory of its own for a test's certificate, removed afterwards.
struct cert_dir {
  cert_dir() {
    path = std::filesystem::temp_directory_path() /
           ("sy-http-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
    routing::test::make_certificate(path);
  }
  ~cert_dir() { std::filesystem::remove_all(path); }
  std::string tls_toml() const {
    return "[tls]\ncertificate_path = \"" + (path / "cert.pem").string() + "\"\nkey_path = \"" +
           (path / "key.pem").string() + "\"\n";
  }
  std::filesystem::path path;
};

TEST(HttpChannel, HttpsChargeIsApprovedWithTheProvidersCertificateChecked) {
  const cert_dir certs;
  wallet_sim sim(certs.tls_toml());
  ASSERT_TRUE(sim.url().starts_with("https://"));
  config::channel_tls tls;
  tls.enabled = true;
  tls.ca_path = (certs.path / "cert.pem").string();
  channel_under_test channel(sim.url(), 1, 64, 5000, nullptr, tls);
  const auto r = channel.send(charge("pay_1"));
  ASSERT_EQ(r.kind, result_kind::answered) << r.error.message();
  EXPECT_TRUE(std::holds_alternative<clearing::channel_approved>(*r.outcome));
  EXPECT_EQ(channel->counters().connects, 1u);
}

TEST(HttpChannel, AProviderCertificateFromAnotherCaIsRefusedAndNotSent) {
  const cert_dir certs;
  wallet_sim sim(certs.tls_toml());
  const cert_dir other;  // a CA that did not sign the provider's certificate
  config::channel_tls tls;
  tls.enabled = true;
  tls.ca_path = (other.path / "cert.pem").string();
  channel_under_test channel(sim.url(), 1, 64, 5000, nullptr, tls);
  const auto r = channel.send(charge("pay_1"));
  EXPECT_EQ(r.kind, result_kind::not_sent);
  EXPECT_EQ(r.error, errc::connect_failed);
}

TEST(HttpChannel, HealthGoesDownWhileTheProviderIsUnreachableAndAProbeBringsItBack) {
  const std::uint16_t port = closed_port();
  auto sim = std::make_unique<wallet_sim>("", testing::wallet_secret_hex, port);
  channel_health health;
  channel_under_test channel("http://127.0.0.1:" + std::to_string(port), 1, 64, 5000, &health);
  // The channel connects at once, before any request: up, and signed on (no sign-on in HTTP).
  ASSERT_TRUE(eventually([&] { return health.connected() && health.signed_on(); }));
  sim.reset();  // the provider goes away
  EXPECT_NE(channel.send(charge("pay_1")).kind, result_kind::answered);
  ASSERT_TRUE(eventually([&] { return !health.connected() && !health.signed_on(); }));
  sim = std::make_unique<wallet_sim>("", testing::wallet_secret_hex, port);
  // The probe, after its backoff, connects without any request waiting.
  ASSERT_TRUE(eventually([&] { return health.connected(); }));
  EXPECT_EQ(channel.send(charge("pay_2")).kind, result_kind::answered);
}

TEST(HttpChannel, TimeoutsOpenTheCircuitBreaker) {
  wallet_sim sim("[faults]\ntimeout_rate = 1\n");
  breaker_settings settings;
  settings.timeout_streak_max = 2;
  channel_health health(settings);
  channel_under_test channel(sim.url(), 1, 64, 200, &health);
  ASSERT_TRUE(eventually([&] { return health.signed_on(); }));
  EXPECT_EQ(channel.send(charge("pay_1")).kind, result_kind::timed_out);
  EXPECT_EQ(health.circuit().state(), breaker_state::closed);
  EXPECT_EQ(channel.send(charge("pay_2")).kind, result_kind::timed_out);
  EXPECT_EQ(health.circuit().state(), breaker_state::open);
}

TEST(HttpChannel, AnInjectedSendFailureIsNotSent) {
  wallet_sim sim("");
  channel_under_test channel(sim.url());
  channel->fail_nth_send(2);
  EXPECT_EQ(channel.send(charge("pay_1")).kind, result_kind::answered);
  const auto failed = channel.send(charge("pay_2"));
  EXPECT_EQ(failed.kind, result_kind::not_sent);
  EXPECT_EQ(failed.error, errc::injected_failure);
  EXPECT_EQ(channel.send(charge("pay_3")).kind, result_kind::answered);
}

}  // namespace
}  // namespace sy::routing::http
