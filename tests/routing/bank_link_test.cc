// The bank link over real sockets against a scripted bank written here: sign-on, approvals and
// declines, a timeout reversed through store-and-forward with the late answer never applied, a
// disconnect mid-flight, a garbage frame, back-pressure, echo, MACs. The bank decodes every frame
// the link sends with the independent ISO 8583:1987 decoder, never with the production packager.
#include "routing/io/bank_link.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "clearing/business_date.h"
#include "clearing/completion.h"
#include "clearing/ids.h"
#include "clearing/store/fingerprint.h"
#include "hsm/pan_protection.h"
#include "hsm/soft_backend.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"
#include "routing/link/errc.h"
#include "routing/sim/bank_responder.h"
#include "routing/sim/bank_server.h"
#include "tests/routing/independent_iso87_decoder.h"
#include "tests/routing/tls_test_support.h"

namespace sy::routing::io {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace store = clearing::store;
namespace iso = protocol::iso8583;
using tcp = asio::ip::tcp;
using test::decoded_message;
using namespace std::chrono_literals;

constexpr std::string_view test_pan = "4111111111111111";

// What the scripted bank does with one request.
struct reply {
  enum class kind : std::uint8_t { answer, silent, garbage, disconnect, bad_mac };
  kind what = kind::answer;
  std::string response_code = "00";
  std::chrono::milliseconds delay{0};
};
using script = std::function<reply(const decoded_message&)>;

std::string amount_of(const decoded_message& m) {
  const auto it = m.fields.find(4);
  return it == m.fields.end() ? std::string() : it->second;
}

// A bank on 127.0.0.1 that answers by `script`, on its own thread. With an authenticator it
// checks every request's MAC and signs its answers.
class scripted_bank {
 public:
  explicit scripted_bank(script s, link::message_authenticator* mac = nullptr)
      : script_(std::move(s)), mac_(mac), acceptor_(io_, tcp::endpoint(tcp::v4(), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~scripted_bank() {
    asio::post(io_, [this] {
      acceptor_.close();
      for (auto& s : sockets_) s->close();
    });
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<decoded_message> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(mutex_);
    return problems_;
  }
  std::size_t accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  // Sends `frame` (length prefix included) on every connection, as a bank-initiated request.
  void send_to_all(std::string frame) {
    asio::post(io_, [this, frame = std::move(frame)] {
      for (auto& s : sockets_) send(s, frame, 0ms);
    });
  }
  // The responses to the bank's own requests.
  std::size_t answers_received() {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(),
                      [](const decoded_message& m) { return m.mti == "0810"; }));
  }

  // The requests received with this MTI (and DE 70, for 0800).
  std::size_t count(std::string_view mti, std::string_view de70 = {}) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(), [&](const decoded_message& m) {
          return m.mti == mti && (de70.empty() || (m.fields.count(70) && m.fields.at(70) == de70));
        }));
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      {
        std::lock_guard lock(mutex_);
        ++accepted_;
      }
      sockets_.push_back(std::make_shared<tcp::socket>(std::move(socket)));
      read_frame(sockets_.back());
      accept();
    });
  }

  void read_frame(std::shared_ptr<tcp::socket> socket) {
    auto prefix = std::make_shared<std::array<unsigned char, 2>>();
    asio::async_read(
        *socket, asio::buffer(*prefix),
        [this, socket, prefix](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          auto payload = std::make_shared<std::string>((*prefix)[0] * 256u + (*prefix)[1], '\0');
          asio::async_read(*socket, asio::buffer(*payload),
                           [this, socket, payload](boost::system::error_code read_ec, std::size_t) {
                             if (read_ec) return;
                             on_frame(socket, *payload);
                             read_frame(socket);
                           });
        });
  }

  void on_frame(const std::shared_ptr<tcp::socket>& socket, const std::string& frame) {
    std::string error;
    const auto m = test::decode_iso87(frame, error);
    {
      std::lock_guard lock(mutex_);
      if (!error.empty()) problems_.push_back("undecodable frame: " + error);
      if (mac_ != nullptr && !mac_ok(frame)) problems_.push_back("bad MAC on " + m.mti);
      received_.push_back(m);
    }
    if (!error.empty() || m.mti == "0810") return;
    const reply r = script_(m);
    switch (r.what) {
      case reply::kind::silent:
        return;
      case reply::kind::disconnect:
        socket->close();
        return;
      case reply::kind::garbage:
        return send(socket, std::string("\x00\x06GARBAG", 8), r.delay);
      case reply::kind::answer:
      case reply::kind::bad_mac:
        return send(socket, answer(m, r), r.delay);
    }
  }

  bool mac_ok(std::string_view frame) const {
    if (frame.size() < 8) return false;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(frame.data());
    return mac_->verify({bytes, frame.size() - 8}, {bytes + frame.size() - 8, 8}).has_value();
  }

  // The response: the request's MTI class + 10, its matching and amount elements, DE 39.
  std::string answer(const decoded_message& request, const reply& r) const {
    iso::message m;
    std::string mti = request.mti;
    mti[2] = static_cast<char>(mti[2] + 1);
    m.set_mti(mti);
    for (const int de : {3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 70}) {
      if (request.fields.count(de)) m.set(static_cast<std::size_t>(de), request.fields.at(de));
    }
    m.set(39, r.response_code);
    if (r.response_code == "00" && request.mti != "0800") m.set(38, "A1B2C3");
    const std::size_t mac_field = m.presence()[1] != 0 ? 128 : 64;
    static constexpr std::array<char, 8> placeholder{};
    if (mac_ != nullptr) m.set(mac_field, std::string_view(placeholder.data(), placeholder.size()));
    std::string out(4096, '\0');
    const auto size = iso::pack(iso::iso87(), m, std::span(out).subspan(2));
    EXPECT_TRUE(size.has_value());
    out.resize(2 + *size);
    out[0] = static_cast<char>(*size >> 8);
    out[1] = static_cast<char>(*size & 0xff);
    if (mac_ != nullptr) {
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(out.data() + 2);
      auto mac = mac_->generate({bytes, *size - 8});
      EXPECT_TRUE(mac.has_value());
      if (r.what == reply::kind::bad_mac) (*mac)[0] ^= 0xff;
      std::copy(mac->begin(), mac->end(), out.end() - 8);
    }
    return out;
  }

  void send(const std::shared_ptr<tcp::socket>& socket, std::string bytes,
            std::chrono::milliseconds delay) {
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([socket, timer, data = std::make_shared<std::string>(std::move(bytes))](
                          boost::system::error_code) {
      asio::async_write(*socket, asio::buffer(*data),
                        [data](boost::system::error_code, std::size_t) {});
    });
  }

  script script_;
  link::message_authenticator* mac_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;  // bank thread only
  std::thread thread_;
  std::mutex mutex_;
  std::vector<decoded_message> received_;
  std::vector<std::string> problems_;
  std::size_t accepted_ = 0;
};

// Polls `done` every 10 ms for up to 5 s.
bool eventually(const std::function<bool()>& done) {
  for (const auto deadline = std::chrono::steady_clock::now() + 5s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (done()) return true;
  }
  return done();
}

class BankLink : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sy-bank-link-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store::environment_options options;
    options.path = (dir_ / "store").string();
    auto env = store::environment::open(options);
    ASSERT_TRUE(env) << env.error().message();
    env_ = std::move(*env);
    writer_ = std::make_unique<store::writer>(*env_);
    const std::string master(64, 'm');
    ASSERT_FALSE(hsm::soft_backend::create((dir_ / "keys").string(), master));
    auto hsm = hsm::soft_backend::open((dir_ / "keys").string(), master);
    ASSERT_TRUE(hsm) << hsm.error().message();
    hsm_ = std::move(*hsm);
    for (const auto& [name, type] :
         {std::pair{"pan-token", hsm::key_type::pan_token},
          std::pair{"pan-data", hsm::key_type::pan_data}, std::pair{"tak", hsm::key_type::tak}}) {
      ASSERT_TRUE(hsm_->generate({name, type, hsm::default_algorithm(type), 0}));
    }
    io_thread_ = std::thread([this] { io_.run(); });
    channel_.id = "bank";
    channel_.acquirer_id = "123456";
    channel_.terminal_id = "TERM0001";
    channel_.card_acceptor_id = "MERCHANT0000001";
    channel_.card_acceptor_name = "SWITCHYARD TEST SHOP";
    channel_.connect_timeout_ms = 500;
    // Long enough for an answer on a loaded machine (sanitizers, parallel tests).
    channel_.request_timeout_ms = 500;
    channel_.connection_count = 1;
  }
  void TearDown() override {
    if (link_) stop_link();
    guard_.reset();
    io_thread_.join();
    writer_->stop();
    writer_.reset();
    env_.reset();
    fs::remove_all(dir_);
  }

  void start_link(std::uint16_t port, link_options options = {}) {
    channel_.endpoints = {config::endpoint{"127.0.0.1", port}};
    if (options.reversal.base == std::chrono::milliseconds{limits::reversal_retry_base_ms}) {
      options.reversal = {100ms, 200ms};
    }
    options.reconnect_base = 20ms;
    options.reconnect_max = 50ms;
    link_services services{env_.get(), writer_.get(), hsm_.get(), "pan-data", &health_, {}};
    link_ = std::make_unique<bank_link>(channel_, std::vector{&io_}, services, options);
    ASSERT_TRUE(link_->start(today()));
  }
  void stop_link() {
    std::promise<void> stopped;
    link_->stop([&stopped] { stopped.set_value(); });
    ASSERT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
    link_.reset();
  }
  bool signed_on() {
    return eventually([this] { return link_->metrics().connections_signed_on == 1; });
  }

  static std::chrono::year_month_day today() {
    return std::chrono::year_month_day{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  }

  // Numbers for the next request, waiting out a reservation still committing.
  link::trace_numbers next_numbers() {
    for (;;) {
      auto n = link_->numbers(today());
      if (n) return *n;
      EXPECT_EQ(n.error(), link::errc::numbers_pending) << n.error().message();
      if (n.error() != link::errc::numbers_pending) return {};
      std::this_thread::sleep_for(1ms);
    }
  }

  // Sends a sale of `amount` minor units and waits for its result.
  exchange_result sale(std::int64_t amount, link::trace_numbers* used = nullptr) {
    const auto numbers = next_numbers();
    if (used != nullptr) *used = numbers;
    outgoing_request request;
    request.request = {link::financial_kind::sale,
                       protocol::money{amount, *protocol::find_currency("CNY")},
                       {test_pan, 12, 2030},
                       "5812",
                       {}};
    request.numbers = numbers;
    std::promise<exchange_result> done;
    link_->send(request, store::inline_executor(),
                [&done](exchange_result r) { done.set_value(std::move(r)); });
    auto future = done.get_future();
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }

  // A sale as the gateway's "sent" commit leaves it: payment, channel request, PAN ciphertext.
  clearing::open_request commit_sent_sale(const link::trace_numbers& numbers, std::int64_t amount) {
    clearing::id_generator ids;
    const auto now_ms =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const std::string id = *ids.next_text(clearing::id_kind::payment, now_ms);
    const auto sealed =
        hsm::protect_pan(*hsm_, "pan-token", "pan-data", test_pan,
                         {reinterpret_cast<const std::uint8_t*>(id.data()), id.size()});
    EXPECT_TRUE(sealed);
    const auto now = std::chrono::floor<std::chrono::seconds>(now_ms);
    protocol::create_payment_request create;
    create.amount = protocol::money{amount, *protocol::find_currency("CNY")};
    create.merchant_reference = "order-1";
    create.payment_method = protocol::card_details{std::string(test_pan), 12, 2030, "123", ""};
    auto payment = clearing::open_payment(id, "m1", create, now);
    EXPECT_TRUE(payment);
    payment->resource.channel = "bank";
    payment->resource.rrn = std::string(numbers.rrn());
    payment->stan = std::string(numbers.stan());
    clearing::layout::channel_request sent;
    sent.channel = "bank";
    sent.merchant_id = "m1";
    sent.payment_id = id;
    sent.idempotency_key = "k1";
    sent.mti = "0200";
    sent.stan = std::string(numbers.stan());
    sent.rrn = std::string(numbers.rrn());
    sent.amount = create.amount;
    sent.sent_at = now_ms;
    sent.pan_ciphertext.assign(sealed->ciphertext.begin(), sealed->ciphertext.end());
    const clearing::merchant_request merchant{
        "m1", "k1", store::fingerprint("POST", "/v1/payments", "{}"), now, now + 24h, id};
    const auto outcome = store::commit_and_wait(
        *writer_, clearing::sent({merchant, std::nullopt, *payment, std::nullopt, sent}));
    EXPECT_FALSE(outcome.error) << outcome.error.message();
    return {clearing::layout::channel_request_key(sent), sent};
  }

  // What the gateway does with a timed-out answer: the final step (failed, reversal due), then
  // the link's store-and-forward takes it.
  void time_out(const clearing::open_request& open) {
    const clearing::book book(*env_);
    clearing::id_generator ids;
    const auto calendar = clearing::business_calendar::make({23, 0}, "UTC");
    ASSERT_TRUE(calendar);
    const clearing::event_stamper stamp(ids, *calendar);
    const auto stamped = stamp(
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    ASSERT_TRUE(stamped);
    const auto step = clearing::complete(book, open, clearing::channel_timed_out{}, *stamped);
    ASSERT_TRUE(step) << step.error().message();
    ASSERT_FALSE(store::commit_and_wait(*writer_, clearing::finished(*step)).error);
    const auto due = book.reversals_due();
    ASSERT_TRUE(due && due->size() == 1);
    link_->add_reversal((*due)[0]);
  }

  fs::path dir_;
  std::unique_ptr<store::environment> env_;
  std::unique_ptr<store::writer> writer_;
  std::unique_ptr<hsm::backend> hsm_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_{
      asio::make_work_guard(io_)};
  std::thread io_thread_;
  config::channel channel_;
  channel_health health_;
  std::unique_ptr<bank_link> link_;
};

reply approve_or_decline_by_amount(const decoded_message& m) {
  const auto amount = amount_of(m);
  if (amount.ends_with("51")) return {reply::kind::answer, "51", 0ms};
  return {};
}

TEST_F(BankLink, SignsOnAnswersApprovalsAndDeclinesAndSignsOffEveryFrameDecodable) {
  scripted_bank bank(approve_or_decline_by_amount);
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  EXPECT_TRUE(health_.connected() && health_.signed_on());

  const auto approved = sale(1000);
  ASSERT_EQ(approved.status, exchange_status::answered) << approved.error.message();
  ASSERT_TRUE(std::holds_alternative<clearing::channel_approved>(approved.outcome));
  EXPECT_EQ(std::get<clearing::channel_approved>(approved.outcome).authorization_code, "A1B2C3");
  EXPECT_EQ(approved.response.mti, "0210");

  const auto declined = sale(1051);
  ASSERT_EQ(declined.status, exchange_status::answered);
  ASSERT_TRUE(std::holds_alternative<clearing::channel_declined>(declined.outcome));
  EXPECT_EQ(std::get<clearing::channel_declined>(declined.outcome).code,
            protocol::decline::insufficient_funds);

  stop_link();
  EXPECT_EQ(bank.count("0800", "001"), 1u);
  EXPECT_EQ(bank.count("0200"), 2u);
  EXPECT_TRUE(eventually([&] { return bank.count("0800", "002") == 1; }));
  EXPECT_TRUE(bank.problems().empty()) << bank.problems().front();
  EXPECT_FALSE(health_.signed_on());
}

TEST_F(BankLink, MetricsCountRequestsResponsesAndLatency) {
  scripted_bank bank(approve_or_decline_by_amount);
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  sale(1000);
  sale(2051);
  const auto m = link_->metrics();
  EXPECT_EQ(m.requests[1], 2u);   // 0200
  EXPECT_GE(m.requests[5], 1u);   // 0800
  EXPECT_EQ(m.responses[0], 1u);  // 00
  EXPECT_EQ(m.responses[3], 1u);  // 51
  std::uint64_t answered = 0;
  for (const auto n : m.latency) answered += n;
  EXPECT_EQ(answered, 2u);
  EXPECT_TRUE(m.signed_on);
  EXPECT_EQ(m.connections_up, 1u);
}

TEST_F(BankLink, ATimedOutSaleIsReversedAndItsLateAnswerIsCountedNeverApplied) {
  // The sale's answer comes after the link's 500 ms; the reversal is answered at once.
  scripted_bank bank([](const decoded_message& m) {
    if (m.mti == "0200") return reply{reply::kind::answer, "00", 1200ms};
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  link::trace_numbers numbers;
  const auto result = sale(1099, &numbers);
  ASSERT_EQ(result.status, exchange_status::timed_out);
  EXPECT_TRUE(std::holds_alternative<clearing::channel_timed_out>(result.outcome));

  // In production the gateway's "sent" commit precedes the send; here it only has to exist
  // before the timeout is committed.
  time_out(commit_sent_sale(numbers, 1099));
  ASSERT_TRUE(eventually([&] { return link_->metrics().reversals_acknowledged == 1; }));
  EXPECT_TRUE(clearing::book(*env_).reversals_due()->empty());
  ASSERT_TRUE(eventually([&] { return link_->metrics().late == 1; }));

  // The 0400 names the sale: DE 37 its RRN, DE 90 its MTI and STAN; DE 2 the card.
  const auto received = bank.received();
  const auto reversal = std::find_if(received.begin(), received.end(),
                                     [](const decoded_message& m) { return m.mti == "0400"; });
  ASSERT_NE(reversal, received.end());
  EXPECT_EQ(reversal->fields.at(37), numbers.rrn());
  EXPECT_EQ(reversal->fields.at(90).substr(0, 10), "0200" + std::string(numbers.stan()));
  EXPECT_EQ(reversal->fields.at(2), test_pan);
  EXPECT_EQ(bank.count("0420"), 0u);
  EXPECT_TRUE(bank.problems().empty()) << bank.problems().front();
}

TEST_F(BankLink, AnUnacknowledgedReversalIsRepeatedAs0420UntilAcknowledged) {
  std::atomic<int> reversals{0};
  scripted_bank bank([&reversals](const decoded_message& m) {
    if (m.mti == "0200") return reply{reply::kind::silent};
    if ((m.mti == "0400" || m.mti == "0420") && ++reversals < 3) return reply{reply::kind::silent};
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  link::trace_numbers numbers;
  ASSERT_EQ(sale(500, &numbers).status, exchange_status::timed_out);
  time_out(commit_sent_sale(numbers, 500));
  ASSERT_TRUE(eventually([&] { return link_->metrics().reversals_acknowledged == 1; }));
  EXPECT_EQ(bank.count("0400"), 1u);
  EXPECT_EQ(bank.count("0420"), 2u);
  EXPECT_EQ(link_->metrics().reversals_sent, 3u);
}

TEST_F(BankLink, ADisconnectMidFlightTimesTheRequestOutThenReconnectsAndSignsOnAgain) {
  scripted_bank bank([](const decoded_message& m) {
    if (amount_of(m).ends_with("99")) return reply{reply::kind::disconnect};
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  EXPECT_EQ(sale(199).status, exchange_status::timed_out);  // sent: it must be reversed
  ASSERT_TRUE(eventually([&] { return bank.count("0800", "001") == 2; }));
  ASSERT_TRUE(signed_on());
  EXPECT_EQ(sale(200).status, exchange_status::answered);
  EXPECT_EQ(bank.accepted(), 2u);
  EXPECT_GE(link_->metrics().reconnects, 1u);
}

TEST_F(BankLink, AGarbageFrameIsCountedAndTheConnectionCarriesOn) {
  scripted_bank bank([](const decoded_message& m) {
    if (amount_of(m).ends_with("77")) return reply{reply::kind::garbage};
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  EXPECT_EQ(sale(177).status, exchange_status::timed_out);
  EXPECT_EQ(link_->metrics().malformed, 1u);
  EXPECT_EQ(sale(100).status, exchange_status::answered);
  EXPECT_EQ(bank.accepted(), 1u);
}

TEST_F(BankLink, BackPressureAndAChannelThatIsDownRefuseWithoutSending) {
  channel_.inflight_max = 1;
  channel_.request_timeout_ms = 1000;
  scripted_bank bank([](const decoded_message& m) {
    if (m.mti == "0200") return reply{reply::kind::answer, "00", 300ms};
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  std::promise<exchange_result> first;
  outgoing_request request;
  request.request = {link::financial_kind::sale,
                     protocol::money{100, *protocol::find_currency("CNY")},
                     {test_pan, 12, 2030},
                     "5812",
                     {}};
  request.numbers = next_numbers();
  link_->send(request, store::inline_executor(),
              [&first](exchange_result r) { first.set_value(std::move(r)); });
  const auto second = sale(100);
  EXPECT_EQ(second.status, exchange_status::not_sent);
  EXPECT_EQ(second.error, errc::link_full);
  EXPECT_EQ(first.get_future().get().status, exchange_status::answered);
  EXPECT_EQ(link_->metrics().refused_full, 1u);
}

TEST_F(BankLink, NothingListeningMeansNotSignedOnAndStopStillEnds) {
  std::uint16_t closed_port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(tcp::v4(), 0));
    closed_port = probe.local_endpoint().port();
  }
  start_link(closed_port);
  ASSERT_TRUE(eventually([&] { return link_->metrics().reconnects >= 2; }));
  const auto refused = sale(100);
  EXPECT_EQ(refused.status, exchange_status::not_sent);
  EXPECT_EQ(refused.error, errc::not_signed_on);
  EXPECT_FALSE(health_.connected());
}

TEST_F(BankLink, EchoesWhenIdleAndReconnectsWhenAnEchoGoesUnanswered) {
  channel_.echo_interval_ms = 100;
  std::atomic<int> echoes{0};
  scripted_bank bank([&echoes](const decoded_message& m) {
    if (m.mti == "0800" && m.fields.at(70) == "301" && ++echoes == 2) {
      return reply{reply::kind::silent};
    }
    return reply{};
  });
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  ASSERT_TRUE(eventually([&] { return link_->metrics().echo_failures == 1; }));
  ASSERT_TRUE(eventually([&] { return bank.count("0800", "001") == 2; }));
  EXPECT_GE(bank.count("0800", "301"), 2u);
}

TEST_F(BankLink, AnswersTheBanksOwnEcho) {
  scripted_bank bank(approve_or_decline_by_amount);
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  iso::message echo;
  echo.set_mti("0800");
  echo.set(7, "1121231845");
  echo.set(11, "424242");
  echo.set(70, "301");
  std::string frame(256, '\0');
  const auto size = iso::pack(iso::iso87(), echo, std::span(frame).subspan(2));
  ASSERT_TRUE(size);
  frame[1] = static_cast<char>(*size);
  frame.resize(2 + *size);
  bank.send_to_all(frame);
  ASSERT_TRUE(eventually([&] { return bank.answers_received() == 1; }));
  EXPECT_EQ(link_->metrics().bank_requests_answered, 1u);
  EXPECT_EQ(link_->metrics().malformed, 0u);
  EXPECT_EQ(sale(100).status, exchange_status::answered);
}

TEST_F(BankLink, MacsEveryFrameAndTreatsABadResponseMacAsNoAnswer) {
  channel_.mac_key = "tak";
  link::hsm_authenticator bank_mac(*hsm_, "tak");
  scripted_bank bank(
      [](const decoded_message& m) {
        if (amount_of(m).ends_with("13")) return reply{reply::kind::bad_mac};
        return reply{};
      },
      &bank_mac);
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  EXPECT_EQ(sale(100).status, exchange_status::answered);
  EXPECT_EQ(sale(113).status, exchange_status::timed_out);
  EXPECT_EQ(link_->metrics().malformed, 1u);
  EXPECT_TRUE(bank.problems().empty()) << bank.problems().front();
}

TEST_F(BankLink, AnInjectedSendFailureIsNotSentAndCounted) {
  scripted_bank bank(approve_or_decline_by_amount);
  start_link(bank.port());
  ASSERT_TRUE(signed_on());
  link_->fail_nth_send(2);
  EXPECT_EQ(sale(100).status, exchange_status::answered);
  const auto failed = sale(100);
  EXPECT_EQ(failed.status, exchange_status::not_sent);
  EXPECT_EQ(failed.error, errc::injected_failure);
  EXPECT_EQ(sale(100).status, exchange_status::answered);
  EXPECT_EQ(bank.count("0200"), 2u);
}

// The link and the project's own bank simulator agree: sign-on, approvals, declines by amount.
TEST_F(BankLink, TalksToTheBankSimulator) {
  sim::bank_config config;
  sim::bank_responder responder(config);
  sim::bank_server server(responder);
  const auto address = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(address) << address.error().message();
  std::thread serving([&server] { server.run(); });
  start_link(static_cast<std::uint16_t>(std::stoi(address->substr(address->rfind(':') + 1))));
  EXPECT_TRUE(signed_on());
  const auto approved = sale(1000);
  const auto declined = sale(1051);
  stop_link();
  server.stop();
  serving.join();
  ASSERT_EQ(approved.status, exchange_status::answered) << approved.error.message();
  EXPECT_TRUE(std::holds_alternative<clearing::channel_approved>(approved.outcome));
  ASSERT_EQ(declined.status, exchange_status::answered);
  EXPECT_EQ(declined.response.response_code, "51");
}

// TLS with the bank's certificate checked, then mutual TLS: the simulated bank asks for a client
// certificate signed by the CA it trusts (here the switch's own self-signed one).
TEST_F(BankLink, SignsOnOverTlsAndMutualTls) {
  test::make_certificate(dir_, "bank");
  for (const bool mutual : {false, true}) {
    sim::bank_config config;
    config.tls.certificate_path = (dir_ / "cert.pem").string();
    config.tls.key_path = (dir_ / "key.pem").string();
    if (mutual) config.tls.client_ca_path = (dir_ / "cert.pem").string();
    sim::bank_responder responder(config);
    sim::bank_server server(responder);
    ASSERT_TRUE(server.use_tls(config.tls));
    const auto address = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(address) << address.error().message();
    std::thread serving([&server] { server.run(); });
    channel_.tls.enabled = true;
    channel_.tls.ca_path = (dir_ / "cert.pem").string();
    if (mutual) {
      channel_.tls.certificate_path = (dir_ / "cert.pem").string();
      channel_.tls.key_path = (dir_ / "key.pem").string();
    }
    start_link(static_cast<std::uint16_t>(std::stoi(address->substr(address->rfind(':') + 1))));
    EXPECT_TRUE(signed_on()) << (mutual ? "mutual TLS" : "TLS");
    EXPECT_EQ(sale(1000).status, exchange_status::answered);
    stop_link();
    server.stop();
    serving.join();
  }
}

TEST_F(BankLink, ABankCertificateFromAnotherCaNeverSignsOn) {
  const auto other = dir_ / "other";
  fs::create_directories(other);
  test::make_certificate(dir_, "bank");
  test::make_certificate(other, "someone-else");
  sim::bank_config config;
  config.tls.certificate_path = (dir_ / "cert.pem").string();
  config.tls.key_path = (dir_ / "key.pem").string();
  sim::bank_responder responder(config);
  sim::bank_server server(responder);
  ASSERT_TRUE(server.use_tls(config.tls));
  const auto address = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(address);
  std::thread serving([&server] { server.run(); });
  channel_.tls.enabled = true;
  channel_.tls.ca_path = (other / "cert.pem").string();
  start_link(static_cast<std::uint16_t>(std::stoi(address->substr(address->rfind(':') + 1))));
  EXPECT_TRUE(eventually([&] { return link_->metrics().reconnects >= 2; }));
  EXPECT_EQ(link_->metrics().connections_signed_on, 0u);
  EXPECT_EQ(sale(1000).error, errc::not_signed_on);
  stop_link();
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace sy::routing::io
