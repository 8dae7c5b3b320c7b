// The simulated bank's answers: the response MTI, echoed matching fields, DE 38/39 by rules, the
// ledger's record, faults, and survival of bytes that are not messages.
#include "routing/sim/bank_responder.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/specs.h"

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

}  // namespace
}  // namespace sy::routing::sim
