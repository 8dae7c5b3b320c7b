// The simulated bank's answers: the response MTI, echoed matching fields, DE 38/39 by rules, the
// ledger's record, faults, survival of bytes that are not messages, and MACs checked and made as
// the switch's own link code makes and checks them.
#include "routing/sim/bank_responder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hsm/soft_backend.h"
#include "protocol/currency.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/specs.h"
#include "routing/link/errc.h"
#include "routing/link/message_authenticator.h"
#include "routing/link/messages.h"

namespace sy::routing::sim {
namespace {

namespace iso = protocol::iso8583;

std::string pack(const std::string& mti, const std::map<int, std::string>& fields) {
  iso::message msg;
  msg.set_mti(mti);
  for (const auto& [field, value] : fields) msg.set(static_cast<std::size_t>(field), value);
  std::string out(4096, '\0');
  const auto size = iso::pack(iso::iso87(), msg, out);
  EXPECT_TRUE(size) << size.error().message();
  out.resize(size ? *size : 0);
  return out;
}

std::map<int, std::string> sale(std::string amount, std::string rrn = "000000000001",
                                std::string stan = "000001") {
  return {{2, "4111111111111111"}, {3, "000000"}, {4, amount},  {7, "1121231845"}, {11, stan},
          {12, "231845"},          {13, "1121"},  {14, "2812"}, {37, rrn},         {41, "TERM0001"},
          {42, "MERCHANT0000001"}, {49, "978"}};
}

class SimBankResponder : public ::testing::Test {
 protected:
  SimBankResponder() { config_.settlement.business_date = "2026-11-21"; }

  // Answers `request` and unpacks the framed answer into response_.
  bank_answer ask(const std::string& request) {
    buffer_.assign(bank_->answer_buffer_size(), '\0');
    const bank_answer a = bank_->answer(request, buffer_);
    if (a.what == bank_answer::action::respond) {
      const auto frame =
          iso::decode_frame(iso::framing::binary2, std::string_view(buffer_.data(), a.size), 65535);
      EXPECT_TRUE(frame && frame->complete);
      EXPECT_EQ(frame->payload_offset + frame->payload_size, a.size);
      wire_.assign(buffer_.data() + 2, a.size - 2);
      EXPECT_TRUE(iso::unpack(iso::iso87(), wire_, response_));
    }
    return a;
  }

  void start() { bank_ = std::make_unique<bank_responder>(config_); }

  bank_config config_;
  std::unique_ptr<bank_responder> bank_;
  std::vector<char> buffer_;
  std::string wire_;
  iso::message response_;
};

TEST_F(SimBankResponder, SignOnIsAnswered0810WithItsFieldsEchoed) {
  start();
  const auto a = ask(pack("0800", {{7, "1121231845"}, {11, "000007"}, {70, "001"}}));
  ASSERT_EQ(a.what, bank_answer::action::respond);
  EXPECT_EQ(response_.mti(), "0810");
  EXPECT_EQ(response_.get(7), "1121231845");
  EXPECT_EQ(response_.get(11), "000007");
  EXPECT_EQ(response_.get(70), "001");
  EXPECT_EQ(response_.get(39), "00");
  EXPECT_EQ(bank_->stats().network, 1u);
}

TEST_F(SimBankResponder, ApprovedSaleEchoesMatchingFieldsAndCarriesAnAuthorizationCode) {
  start();
  ask(pack("0200", sale("000000001000", "123456789012", "000042")));
  EXPECT_EQ(response_.mti(), "0210");
  for (const int f : {2, 3, 4, 7, 11, 12, 13, 37, 41, 42, 49}) {
    EXPECT_TRUE(response_.has(static_cast<std::size_t>(f))) << "DE " << f;
  }
  EXPECT_EQ(response_.get(11), "000042");
  EXPECT_EQ(response_.get(37), "123456789012");
  EXPECT_EQ(response_.get(41), "TERM0001");
  EXPECT_EQ(response_.get(4), "000000001000");
  EXPECT_EQ(response_.get(39), "00");
  EXPECT_EQ(response_.get(38).size(), 6u);
  EXPECT_FALSE(response_.has(14)) << "the expiry date is never echoed";
  const ledger_record* r = bank_->ledger().find("123456789012");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, event_kind::sale);
  EXPECT_EQ(r->amount, 1000);
  EXPECT_EQ(r->currency, "EUR");
  EXPECT_EQ(r->business_date, "2026-11-21");
  EXPECT_EQ(r->authorization_code, response_.get(38));
}

TEST_F(SimBankResponder, DeclineByAmountAnswersItsCodeWithoutAuthorizationOrRecord) {
  start();
  ask(pack("0100", sale("000000002051")));
  EXPECT_EQ(response_.mti(), "0110");
  EXPECT_EQ(response_.get(39), "51");
  EXPECT_FALSE(response_.has(38));
  EXPECT_EQ(bank_->ledger().size(), 0u);
  EXPECT_EQ(bank_->stats().declined, 1u);
}

TEST_F(SimBankResponder, RefundIsRecordedNegativeAndCaptureAdviceAlwaysApproved) {
  start();
  auto refund = sale("000000000500", "000000000002", "000002");
  refund[3] = "200000";
  ask(pack("0200", refund));
  EXPECT_EQ(response_.get(39), "00");
  ask(pack("0220", sale("000000000051", "000000000003", "000003")));
  EXPECT_EQ(response_.mti(), "0230");
  EXPECT_EQ(response_.get(39), "00") << "advices are acknowledged, not judged by amount";
  EXPECT_EQ(bank_->ledger().find("000000000002")->amount, -500);
  EXPECT_EQ(bank_->ledger().find("000000000003")->kind, event_kind::capture);
}

TEST_F(SimBankResponder, ReversalByOriginalDataMarksTheOriginal) {
  start();
  ask(pack("0200", sale("000000001000", "000000000010", "000010")));
  auto reversal = sale("000000001000", "000000000011", "000011");
  reversal[90] = "0200000010112123184500000000000000000000000";
  reversal[90].resize(42);
  ask(pack("0400", reversal));
  EXPECT_EQ(response_.mti(), "0410");
  EXPECT_EQ(response_.get(39), "00");
  EXPECT_EQ(response_.get(90), reversal[90]);
  EXPECT_FALSE(response_.has(38));
  EXPECT_TRUE(bank_->ledger().find("000000000010")->reversed);
}

TEST_F(SimBankResponder, ReversalAdviceByRrnAndUnknownReversalStillAcknowledged) {
  start();
  ask(pack("0100", sale("000000001000", "000000000020", "000020")));
  ask(pack("0420", sale("000000001000", "000000000020", "000021")));
  EXPECT_EQ(response_.mti(), "0430");
  EXPECT_TRUE(bank_->ledger().find("000000000020")->reversed);
  ask(pack("0400", sale("000000001000", "000000000099", "000022")));
  EXPECT_EQ(response_.get(39), "00");
  EXPECT_EQ(bank_->stats().reversals_unmatched, 1u);
}

TEST_F(SimBankResponder, RetransmissionGetsTheSameAuthorizationCodeAndOneRecord) {
  start();
  ask(pack("0200", sale("000000001000", "000000000030", "000030")));
  const std::string first(response_.get(38));
  ask(pack("0200", sale("000000001000", "000000000031", "000031")));
  ask(pack("0200", sale("000000001000", "000000000030", "000030")));
  EXPECT_EQ(response_.get(38), first);
  EXPECT_EQ(bank_->ledger().size(), 2u);
}

TEST_F(SimBankResponder, MissingMatchingFieldIsAFormatError) {
  start();
  auto request = sale("000000001000");
  request.erase(37);
  ask(pack("0200", request));
  EXPECT_EQ(response_.get(39), "30");
  EXPECT_EQ(bank_->ledger().size(), 0u);
}

TEST_F(SimBankResponder, GarbageAndUnansweredMessagesGiveNoAnswerNeverACrash) {
  start();
  for (const std::string& bad :
       {std::string(), std::string("\xff\xff\xff"), std::string("0200"), std::string(3000, '9')}) {
    const auto a = ask(bad);
    EXPECT_EQ(a.what, bank_answer::action::none);
    EXPECT_FALSE(a.problem.empty());
  }
  EXPECT_EQ(ask(pack("0810", {{11, "000001"}, {39, "00"}, {70, "301"}})).what,
            bank_answer::action::none);
  EXPECT_EQ(bank_->stats().unreadable, 4u);
  EXPECT_EQ(bank_->stats().ignored, 1u);
}

TEST_F(SimBankResponder, TimeoutFaultProcessesButWithholdsTheAnswer) {
  config_.faults.timeout_rate = 1;
  start();
  EXPECT_EQ(ask(pack("0200", sale("000000001000"))).what, bank_answer::action::none);
  EXPECT_EQ(bank_->stats().timeouts, 1u);
  EXPECT_EQ(bank_->ledger().size(), 1u);
  EXPECT_EQ(ask(pack("0800", {{11, "000001"}, {70, "301"}})).what, bank_answer::action::respond)
      << "network management is never faulted";
}

TEST_F(SimBankResponder, DisconnectAndMalformedFaults) {
  config_.faults.disconnect_rate = 1;
  start();
  EXPECT_EQ(ask(pack("0200", sale("000000001000"))).what, bank_answer::action::disconnect);
  config_.faults = {0, 0, 1};
  start();
  const auto a = ask(pack("0200", sale("000000001000")));
  ASSERT_EQ(a.what, bank_answer::action::malformed);
  iso::message m;
  EXPECT_FALSE(iso::unpack(iso::iso87(), std::string_view(buffer_.data() + 2, a.size - 2), m));
}

TEST_F(SimBankResponder, LatencyComesWithTheAnswerAndAscii4Framing) {
  config_.latency.fixed_us = 2500;
  config_.framing = iso::framing::ascii4;
  start();
  buffer_.assign(bank_->answer_buffer_size(), '\0');
  const auto a = bank_->answer(pack("0800", {{11, "000001"}, {70, "301"}}), buffer_);
  ASSERT_EQ(a.what, bank_answer::action::respond);
  EXPECT_EQ(a.delay.count(), 2500);
  EXPECT_EQ(std::string(buffer_.data(), 4), std::to_string(10000 + a.size - 4).substr(1));
}

TEST_F(SimBankResponder, FullLedgerAnswers96) {
  bank_ = std::make_unique<bank_responder>(config_, 1);
  ask(pack("0200", sale("000000001000", "000000000040", "000040")));
  EXPECT_EQ(response_.get(39), "00");
  ask(pack("0200", sale("000000001000", "000000000041", "000041")));
  EXPECT_EQ(response_.get(39), "96");
  EXPECT_FALSE(response_.has(38));
  EXPECT_EQ(bank_->stats().ledger_full, 1u);
}

constexpr std::string_view tak_hex = "0123456789ABCDEFFEDCBA9876543210";

// The bank with a MAC key, and the switch's side of the link: its production message builders
// and parse_response, MACing through an HSM-backed authenticator under the same TAK.
class SimBankResponderMac : public SimBankResponder {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sy-sim-mac-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string master(64, 'm');
    ASSERT_FALSE(hsm::soft_backend::create((dir_ / "keys").string(), master));
    auto opened = hsm::soft_backend::open((dir_ / "keys").string(), master);
    ASSERT_TRUE(opened) << opened.error().message();
    hsm_ = std::move(*opened);
    const auto material = hsm::from_hex(tak_hex);
    ASSERT_TRUE(material);
    ASSERT_TRUE(hsm_->import_clear(
        {"tak", hsm::key_type::tak, hsm::default_algorithm(hsm::key_type::tak), 0},
        material->view()));
    mac_ = std::make_unique<link::hsm_authenticator>(*hsm_, "tak");
    context_ = link::link_context{"123456",
                                  "SY000001",
                                  "SWITCHYARD00001",
                                  "SWITCHYARD DEMO        SHANGHAI     CN",
                                  config::iso8583_spec::iso87,
                                  mac_.get()};
    config_.mac.key = std::string(tak_hex);
    ASSERT_TRUE(validate(config_).empty());
    start();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  link::request_trace trace(std::string_view stan, std::string_view rrn) const {
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return {stan, rrn, now,
            std::chrono::local_seconds{
                std::chrono::floor<std::chrono::seconds>(now.time_since_epoch())}};
  }

  std::string sign_on() {
    std::string out(1024, '\0');
    const auto size =
        link::build_network(link::network_code::sign_on, trace("000001", ""), context_, out);
    EXPECT_TRUE(size) << size.error().message();
    out.resize(size ? *size : 0);
    return out;
  }

  std::string sale_request(std::int64_t amount, std::string_view stan, std::string_view rrn) {
    const link::financial_request request{link::financial_kind::sale,
                                          {amount, *protocol::find_currency("CNY")},
                                          {"4111111111111111", 12, 2030},
                                          "5812",
                                          {}};
    std::string out(1024, '\0');
    const auto size = link::build_financial(request, trace(stan, rrn), context_, out);
    EXPECT_TRUE(size) << size.error().message();
    out.resize(size ? *size : 0);
    return out;
  }

  // The bank's answer to `request` read as the switch reads it (views into wire_).
  result<link::response> exchange(const std::string& request) {
    const auto a = ask(request);
    if (a.what != bank_answer::action::respond) return link::errc::malformed_message;
    return link::parse_response(wire_, context_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<hsm::backend> hsm_;
  std::unique_ptr<link::hsm_authenticator> mac_;
  link::link_context context_;
};

TEST_F(SimBankResponderMac, AMacedSignOnIsAnsweredWithAMacTheLinkVerifies) {
  const auto r = exchange(sign_on());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->mti, "0810");
  EXPECT_EQ(r->response_code, "00");
  EXPECT_EQ(r->network_code, "001");
  // DE 70 needs the secondary bitmap, so the MAC is in DE 128.
  EXPECT_TRUE(response_.has(128));
  EXPECT_EQ(bank_->stats().network, 1u);
  EXPECT_EQ(bank_->stats().mac_failures, 0u);
}

TEST_F(SimBankResponderMac, FinancialAnswersAndReversalAnswersCarryDe64OrDe128) {
  const auto sale = exchange(sale_request(1000, "000002", "000000000002"));
  ASSERT_TRUE(sale) << sale.error().message();
  EXPECT_EQ(sale->mti, "0210");
  EXPECT_EQ(sale->response_code, "00");
  EXPECT_TRUE(response_.has(64));

  // A reversal carries DE 90, so a secondary bitmap: the MAC moves to DE 128 both ways.
  const link::reversal_request reversal{false,
                                        {1000, *protocol::find_currency("CNY")},
                                        {"4111111111111111", 12, 2030},
                                        {"0200", "000002", "000000000002", "000000", std::nullopt}};
  std::string out(1024, '\0');
  const auto size = link::build_reversal(reversal, trace("000003", "000000000003"), context_, out);
  ASSERT_TRUE(size) << size.error().message();
  out.resize(*size);
  const auto reversed = exchange(out);
  ASSERT_TRUE(reversed) << reversed.error().message();
  EXPECT_EQ(reversed->mti, "0410");
  EXPECT_TRUE(response_.has(128));
  EXPECT_FALSE(response_.has(64));
  EXPECT_EQ(bank_->stats().mac_failures, 0u);
}

TEST_F(SimBankResponderMac, AWrongOrMissingMacIsNeitherAnsweredNorProcessed) {
  std::string wrong_mac = sale_request(1000, "000004", "000000000004");
  wrong_mac.back() = static_cast<char>(wrong_mac.back() ^ 0x01);
  auto a = ask(wrong_mac);
  EXPECT_EQ(a.what, bank_answer::action::none);
  EXPECT_TRUE(a.mac_failure);
  EXPECT_FALSE(a.problem.empty());

  std::string tampered = sale_request(1000, "000005", "000000000005");
  tampered[tampered.size() - 20] = static_cast<char>(tampered[tampered.size() - 20] ^ 0x01);
  EXPECT_EQ(ask(tampered).what, bank_answer::action::none);

  // No DE 64 at all: the switch's messages built without a MAC key.
  const link::link_context unsigned_context{
      "123456", "SY000001", "SWITCHYARD00001", "NAME", config::iso8583_spec::iso87, nullptr};
  std::string no_mac(1024, '\0');
  const auto size =
      link::build_network(link::network_code::echo, trace("000006", ""), unsigned_context, no_mac);
  ASSERT_TRUE(size);
  no_mac.resize(*size);
  EXPECT_EQ(ask(no_mac).what, bank_answer::action::none);

  EXPECT_EQ(bank_->stats().mac_failures, 3u);
  EXPECT_EQ(bank_->stats().requests, 0u);
  EXPECT_EQ(bank_->stats().network, 0u);
  EXPECT_EQ(bank_->ledger().size(), 0u) << "a request with a bad MAC is never processed";
  // The bank goes on answering what is signed right.
  EXPECT_TRUE(exchange(sign_on()));
}

TEST_F(SimBankResponderMac, AnswersUnderAnotherKeyAreWhatTheLinkRejects) {
  config_.mac.key = "00112233445566778899AABBCCDDEEFF";
  ASSERT_TRUE(validate(config_).empty());
  start();
  // The bank cannot verify the switch's MAC under its own key: no answer.
  EXPECT_EQ(ask(sign_on()).what, bank_answer::action::none);
  EXPECT_EQ(bank_->stats().mac_failures, 1u);
  // And a bank without a key answers without DE 64, which the link counts as no answer.
  config_.mac.key.clear();
  ASSERT_TRUE(validate(config_).empty());
  start();
  const auto r = exchange(sign_on());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), link::errc::mac_missing);
}

}  // namespace
}  // namespace sy::routing::sim
