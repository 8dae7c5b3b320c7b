// Tests of ending channel requests over a real store: each outcome's step for payments, captures
// and refunds, the merchant's stored answer, timeouts turned into reversals (as start-up recovery
// does), and books that do not hold what a request names.
#include "clearing/completion.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "clearing/store/errc.h"
#include "clearing/store/fingerprint.h"
#include "protocol/merchant_resources.h"
#include "store_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using layout::request_kind;
using protocol::payment_status;
using store::errc;

constexpr std::chrono::sys_seconds t0{std::chrono::seconds{1'795'303'125}};
constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};

merchant_request merchant(const std::string& key, const std::string& object_id) {
  return merchant_request{"m1", key,      store::fingerprint("POST", "/v1/payments", key),
                          t0,   t0 + 24h, object_id};
}

event_stamp stamp(std::string id) {
  return event_stamp{std::move(id), event_time{t0} + 2s, date0};
}

layout::channel_request request_for(const payment_record& p, request_kind kind,
                                    std::optional<std::string> key,
                                    std::optional<std::string> refund_id = std::nullopt) {
  layout::channel_request q;
  q.kind = kind;
  q.channel = "bank-a";
  q.merchant_id = p.merchant_id;
  q.payment_id = p.resource.id;
  q.refund_id = std::move(refund_id);
  q.idempotency_key = std::move(key);
  q.mti = kind == request_kind::capture ? "0220" : "0200";
  q.stan = "000001";
  q.rrn = "632612000001";
  q.amount = p.resource.amount;
  q.sent_at = event_time{t0};
  return q;
}

class Completion : public store::test::store_fixture {
 protected:
  void SetUp() override {
    store_fixture::SetUp();
    book_ = std::make_unique<book>(*env_);
  }

  // Sends a new payment of 1000 CNY for `key` (none: a request no merchant waits on).
  void send_payment(const std::string& id, bool capture, std::optional<std::string> key) {
    protocol::create_payment_request create;
    create.amount = protocol::money{1000, *protocol::find_currency("CNY")};
    create.merchant_reference = "order-1";
    create.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", "A B"};
    create.capture = capture;
    auto p = open_payment(id, "m1", create, t0);
    ASSERT_TRUE(p.has_value());
    p->resource.channel = "bank-a";
    ASSERT_FALSE(commit(sent({merchant(key.value_or("unused-" + id), id), std::nullopt, *p,
                              std::nullopt, request_for(*p, request_kind::payment, key)})));
  }

  // The one request in state sent.
  open_request only_open() {
    auto open = book_->unanswered();
    EXPECT_TRUE(open.has_value());
    EXPECT_EQ(open->size(), 1u);
    return open->empty() ? open_request{} : open->front();
  }

  // Completes the one open request with `outcome` and commits it.
  final_step complete_open(const channel_outcome& outcome, const std::string& event_id) {
    auto step = complete(*book_, only_open(), outcome, stamp(event_id));
    EXPECT_TRUE(step.has_value()) << step.error().message();
    if (!step) return {};
    EXPECT_FALSE(commit(finished(*step)));
    return *step;
  }

  layout::idempotency_record idempotency(const std::string& key) {
    auto record = book_->idempotency("m1", key);
    EXPECT_TRUE(record.has_value() && record->has_value());
    return record && *record ? **record : layout::idempotency_record{};
  }

  std::unique_ptr<book> book_;
};

TEST_F(Completion, ApprovedPaymentAnswersTheMerchantAndEndsTheRequest) {
  send_payment("pay_1", true, "k1");
  const auto step = complete_open(channel_approved{"123456"}, "ev_1");
  const auto stored = book_->payment("pay_1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->resource.status, payment_status::captured);
  EXPECT_TRUE(book_->unanswered()->empty());
  EXPECT_TRUE(book_->reversals_due()->empty());
  const auto record = idempotency("k1");
  EXPECT_EQ(record.state, layout::idempotency_state::complete);
  EXPECT_EQ(record.status, 201);
  EXPECT_EQ(record.body, protocol::to_json(stored->resource));
  ASSERT_TRUE(step.event.has_value());
  EXPECT_EQ(book_->events("pay_1")->size(), 1u);
}

TEST_F(Completion, TimedOutPaymentFailsAndIsQueuedForReversalAtOnce) {
  send_payment("pay_1", false, "k1");
  complete_open(channel_timed_out{}, "ev_1");
  const auto stored = book_->payment("pay_1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->resource.status, payment_status::failed);
  EXPECT_EQ(stored->resource.decline_code, protocol::decline::issuer_unavailable);
  EXPECT_TRUE(book_->unanswered()->empty());
  const auto due = book_->reversals_due();
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().request.state, layout::request_state::reversal_due);
  EXPECT_EQ(due->front().request.next_attempt_at, event_time{t0} + 2s);
  EXPECT_EQ(due->front().request.attempts, 0u);
  // A retry of the merchant's request replays the failure.
  const auto record = idempotency("k1");
  EXPECT_EQ(record.state, layout::idempotency_state::complete);
  EXPECT_EQ(record.status, 201);
  EXPECT_EQ(record.body, protocol::to_json(stored->resource));
}

TEST_F(Completion, ARequestNoMerchantWaitsOnLeavesNoAnswer) {
  send_payment("pay_1", true, std::nullopt);
  const auto step =
      complete_open(channel_declined{protocol::decline::insufficient_funds, "51"}, "ev_1");
  EXPECT_FALSE(step.merchant.has_value());
  EXPECT_FALSE(step.response.has_value());
  EXPECT_EQ(book_->payment("pay_1")->resource.status, payment_status::declined);
}

TEST_F(Completion, AnAnswerAlreadyStoredIsNotOverwritten) {
  send_payment("pay_1", true, "k1");
  // The merchant request was answered meanwhile (e.g. by another path): its record is complete.
  auto m = merchant("k1", "pay_1");
  auto record = in_progress_record(m);
  auto answered_record = record;
  answered_record.state = layout::idempotency_state::complete;
  answered_record.status = 201;
  answered_record.body = "{}";
  store::unit_of_work u;
  u.ops.push_back(store::operation::replace(
      store::table::idempotency, layout::idempotency_key("m1", "k1"),
      layout::kind_byte(layout::kind::idempotency), layout::encode(answered_record),
      layout::kind_byte(layout::kind::idempotency), layout::encode(record)));
  ASSERT_FALSE(commit(std::move(u)));
  const auto step = complete_open(channel_approved{"123456"}, "ev_1");
  EXPECT_FALSE(step.merchant.has_value());
  EXPECT_EQ(idempotency("k1").body, "{}");
}

TEST_F(Completion, CaptureAnswersWithThePaymentAndStatus200) {
  send_payment("pay_1", false, "k1");
  complete_open(channel_approved{"123456"}, "ev_1");
  const auto authorized = book_->payment("pay_1");
  ASSERT_TRUE(authorized.has_value());
  auto capturing = begin_capture(*authorized, protocol::capture_request{600});
  ASSERT_TRUE(capturing.has_value());
  ASSERT_FALSE(commit(sent({merchant("k2", "pay_1"), *authorized, *capturing, std::nullopt,
                            request_for(*capturing, request_kind::capture, "k2")})));
  complete_open(channel_approved{"123456"}, "ev_2");
  const auto captured = book_->payment("pay_1");
  EXPECT_EQ(captured->resource.status, payment_status::captured);
  EXPECT_EQ(captured->resource.amount_captured, 600);
  const auto record = idempotency("k2");
  EXPECT_EQ(record.status, 200);
  EXPECT_EQ(record.body, protocol::to_json(captured->resource));
}

TEST_F(Completion, TimedOutRefundFailsAndAnswersWithTheRefund) {
  send_payment("pay_1", true, "k1");
  complete_open(channel_approved{"123456"}, "ev_1");
  const auto captured = book_->payment("pay_1");
  ASSERT_TRUE(captured.has_value());
  auto start = begin_refund(*captured, protocol::refund_request{400, std::nullopt}, "re_1", t0);
  ASSERT_TRUE(start.has_value());
  ASSERT_FALSE(commit(sent({merchant("k2", "re_1"), *captured, start->payment, start->refund,
                            request_for(*captured, request_kind::refund, "k2", "re_1")})));
  const auto step = complete_open(channel_timed_out{}, "ev_2");
  ASSERT_TRUE(step.refund.has_value());
  const auto refund = book_->refund("re_1");
  ASSERT_TRUE(refund.has_value());
  EXPECT_EQ(refund->resource.status, protocol::refund_status::failed);
  EXPECT_EQ(book_->payment("pay_1")->amount_refund_pending, 0);
  EXPECT_EQ(book_->reversals_due()->size(), 1u);
  const auto record = idempotency("k2");
  EXPECT_EQ(record.status, 201);
  EXPECT_EQ(record.body, protocol::to_json(refund->resource));
}

TEST_F(Completion, ARequestNamingAMissingPaymentIsReportedNotApplied) {
  open_request ghost;
  ghost.key = "pay_ghost";
  ghost.request.payment_id = "pay_ghost";
  ghost.request.merchant_id = "m1";
  EXPECT_EQ(complete(*book_, ghost, channel_approved{"1"}, stamp("ev_1")).error(), errc::not_found);
}

TEST_F(Completion, APaymentThatCannotTakeTheOutcomeIsAnInconsistentBook) {
  send_payment("pay_1", true, "k1");
  const auto open = only_open();
  complete_open(channel_approved{"123456"}, "ev_1");
  // The same request again: its payment is no longer pending.
  EXPECT_EQ(complete(*book_, open, channel_approved{"123456"}, stamp("ev_2")).error(),
            errc::corrupt_record);
}

TEST(EventStamper, StampsIncreasingIdsWithTheBusinessDateInForce) {
  auto calendar = business_calendar::make(config::time_of_day{23, 0}, "UTC");
  ASSERT_TRUE(calendar.has_value());
  id_generator ids;
  const event_stamper stamper(ids, *calendar);
  const event_time before_cutoff = event_time{t0} - 30min;  // 2026-11-21 22:48:45 UTC
  const event_time after_cutoff{t0};                        // 23:18:45: the next date
  const auto first = stamper(before_cutoff);
  const auto second = stamper(after_cutoff);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_LT(first->id, second->id);
  EXPECT_EQ(first->id.substr(0, 3), "ev_");
  EXPECT_EQ(first->business_date, calendar->date_of(before_cutoff));
  EXPECT_EQ(second->business_date, date0);
  EXPECT_NE(first->business_date, second->business_date);
}

}  // namespace
}  // namespace sy::clearing
