#include "clearing/payment.h"

#include <gtest/gtest.h>

#include <array>
#include <map>

#include "config/limits.h"

namespace sy::clearing {
namespace {

using protocol::payment_status;
using std::chrono::milliseconds;

constexpr std::chrono::sys_seconds t0{std::chrono::seconds{1'795'303'125}};
constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};

protocol::currency cny() {
  return *protocol::find_currency("CNY");
}

protocol::create_payment_request create_request(std::int64_t amount, bool capture) {
  protocol::create_payment_request request;
  request.amount = protocol::money{amount, cny()};
  request.merchant_reference = "order-123";
  request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", "A B"};
  request.capture = capture;
  request.description = "two books";
  request.metadata = {{"k", "v"}};
  return request;
}

event_stamp stamp(int n) {
  return event_stamp{"ev_" + std::to_string(n), event_time{t0} + milliseconds{1500 * n}, date0};
}

std::chrono::sys_seconds at(int seconds) {
  return t0 + std::chrono::seconds{seconds};
}

payment_record opened(bool capture) {
  auto record = open_payment("pay_1", "merchant-1", create_request(1000, capture), t0);
  EXPECT_TRUE(record.has_value());
  return *record;
}

// Unwraps a transition that the test expects to succeed.
template <class T>
T ok(result<T, refusal> r) {
  EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : describe(r.error()));
  return *r;
}

payment_record approve(const payment_record& p) {
  return ok(apply_outcome(p, channel_approved{"123456"}, stamp(1))).payment;
}

refund_start begin(const payment_record& p, std::int64_t amount, std::string id = "re_1") {
  return ok(begin_refund(p, protocol::refund_request{amount, std::nullopt}, std::move(id), at(3)));
}

// Begins a refund and has the channel approve it.
payment_record refund_amount(const payment_record& p, std::int64_t amount) {
  const auto started = begin(p, amount);
  return ok(apply_refund_outcome(started.payment, started.refund, channel_approved{"R1"}, stamp(3)))
      .payment;
}

// A payment of 1000 CNY in `status`, reached through the state machine itself.
payment_record in_state(payment_status status) {
  switch (status) {
    case payment_status::pending:
      return opened(true);
    case payment_status::authorized:
      return approve(opened(false));
    case payment_status::captured:
      return approve(opened(true));
    case payment_status::declined:
      return ok(apply_outcome(opened(true), channel_declined{}, stamp(1))).payment;
    case payment_status::voided:
      return ok(void_payment(approve(opened(false)), stamp(2))).payment;
    case payment_status::partially_refunded:
      return refund_amount(approve(opened(true)), 300);
    case payment_status::refunded:
      return refund_amount(approve(opened(true)), 1000);
    case payment_status::failed:
      return ok(apply_outcome(opened(true), channel_failed{}, stamp(1))).payment;
  }
  ADD_FAILURE() << "no such status";
  return {};
}

enum class op : std::uint8_t {
  approve,
  decline,
  fail,
  time_out,
  capture_all,
  capture_part,  // 600 of 1000
  void_,
  refund_part,  // begin a refund of 200
  refund_rest,  // begin a refund of captured minus refunded and pending
};
constexpr std::array all_ops{op::approve,  op::decline,     op::fail,
                             op::time_out, op::capture_all, op::capture_part,
                             op::void_,    op::refund_part, op::refund_rest};

struct applied {
  std::optional<payment_record> payment;
  std::optional<payment_event> event;
  std::optional<refusal> refused;
  std::optional<refund_record> refund;  // begin_refund's
};

applied collect(const result<payment_transition, refusal>& r) {
  if (!r.has_value()) return applied{std::nullopt, std::nullopt, r.error(), std::nullopt};
  return applied{r->payment, r->event, std::nullopt, std::nullopt};
}

// A refund begun records no event: nothing has happened at the channel yet.
applied collect(const result<refund_start, refusal>& r) {
  if (!r.has_value()) return applied{std::nullopt, std::nullopt, r.error(), std::nullopt};
  return applied{r->payment, std::nullopt, std::nullopt, r->refund};
}

applied run(const payment_record& p, op o) {
  const auto s = stamp(7);
  switch (o) {
    case op::approve:
      return collect(apply_outcome(p, channel_approved{"654321"}, s));
    case op::decline:
      return collect(
          apply_outcome(p, channel_declined{protocol::decline::insufficient_funds, "51"}, s));
    case op::fail:
      return collect(apply_outcome(p, channel_failed{}, s));
    case op::time_out:
      return collect(apply_outcome(p, channel_timed_out{}, s));
    case op::capture_all:
      return collect(capture(p, protocol::capture_request{}, s));
    case op::capture_part:
      return collect(capture(p, protocol::capture_request{600}, s));
    case op::void_:
      return collect(void_payment(p, s));
    case op::refund_part:
      return collect(begin_refund(p, protocol::refund_request{200, std::nullopt}, "re_2", at(10)));
    case op::refund_rest: {
      const auto rest =
          p.resource.amount_captured - p.resource.amount_refunded - p.amount_refund_pending;
      return collect(begin_refund(p, protocol::refund_request{rest, std::nullopt}, "re_2", at(10)));
    }
  }
  return {};
}

operation operation_of(op o) {
  switch (o) {
    case op::approve:
    case op::decline:
    case op::fail:
    case op::time_out:
      return operation::complete;
    case op::capture_all:
    case op::capture_part:
      return operation::capture;
    case op::void_:
      return operation::void_;
    case op::refund_part:
    case op::refund_rest:
      return operation::refund;
  }
  return operation::open;
}

// What an allowed operation records (the pending payment of the table has capture: true);
// nullopt when it records no event.
std::optional<std::pair<event_type, event_result>> event_of(op o) {
  switch (o) {
    case op::approve:
      return std::pair{event_type::sale, event_result::approved};
    case op::decline:
      return std::pair{event_type::sale, event_result::declined};
    case op::fail:
      return std::pair{event_type::sale, event_result::failed};
    case op::time_out:
      return std::pair{event_type::reversal, event_result::approved};
    case op::capture_all:
    case op::capture_part:
      return std::pair{event_type::capture, event_result::approved};
    case op::void_:
      return std::pair{event_type::void_, event_result::approved};
    case op::refund_part:
    case op::refund_rest:
      return std::nullopt;
  }
  return std::nullopt;
}

using expected = std::optional<payment_status>;  // nullopt: refused with invalid_state
constexpr expected no = std::nullopt;

TEST(PaymentStateMachine, EveryStateAndOperationPairHasItsOutcome) {
  using enum payment_status;
  // Columns follow all_ops: approve, decline, fail, time_out, capture_all, capture_part, void,
  // refund_part, refund_rest. A refund begun leaves the payment's status as it was.
  const std::map<payment_status, std::array<expected, all_ops.size()>> table{
      {pending, {captured, declined, failed, failed, no, no, no, no, no}},
      {authorized, {no, no, no, no, captured, captured, voided, no, no}},
      {captured, {no, no, no, no, no, no, no, captured, captured}},
      {declined, {no, no, no, no, no, no, no, no, no}},
      {voided, {no, no, no, no, no, no, no, no, no}},
      {partially_refunded, {no, no, no, no, no, no, no, partially_refunded, partially_refunded}},
      {refunded, {no, no, no, no, no, no, no, no, no}},
      {failed, {no, no, no, no, no, no, no, no, no}},
  };
  ASSERT_EQ(table.size(), 8u);
  for (const auto& [state, row] : table) {
    const payment_record before = in_state(state);
    ASSERT_EQ(before.resource.status, state);
    for (std::size_t i = 0; i < all_ops.size(); ++i) {
      const op o = all_ops[i];
      const auto got = run(before, o);
      SCOPED_TRACE(std::string(protocol::to_string(state)) + " x op " + std::to_string(i));
      if (!row[i]) {
        ASSERT_TRUE(got.refused.has_value());
        EXPECT_EQ(got.refused->code, refusal_code::invalid_state);
        EXPECT_EQ(got.refused->op, operation_of(o));
        EXPECT_EQ(got.refused->status, state);
        continue;
      }
      ASSERT_FALSE(got.refused.has_value()) << describe(*got.refused);
      EXPECT_EQ(got.payment->resource.status, *row[i]);
      const auto recorded = event_of(o);
      if (!recorded) {
        ASSERT_FALSE(got.event.has_value());
        ASSERT_TRUE(got.refund.has_value());
        EXPECT_EQ(got.refund->resource.status, protocol::refund_status::pending);
        EXPECT_EQ(got.payment->resource, before.resource);
        EXPECT_EQ(got.payment->amount_refund_pending,
                  before.amount_refund_pending + got.refund->resource.amount.amount);
        continue;
      }
      ASSERT_TRUE(got.event.has_value());
      EXPECT_EQ(std::pair(got.event->type, got.event->result), *recorded);
      EXPECT_EQ(got.event->id, "ev_7");
      EXPECT_EQ(got.event->payment_id, "pay_1");
      EXPECT_EQ(got.event->amount.currency, cny());
      EXPECT_GT(got.event->amount.amount, 0);
      EXPECT_EQ(got.payment->resource.updated_at, at(10));
    }
  }
}

TEST(PaymentStateMachine, OpenMakesAPendingPaymentWithoutTheCardNumber) {
  const payment_record p = opened(false);
  EXPECT_EQ(p.resource.id, "pay_1");
  EXPECT_EQ(p.merchant_id, "merchant-1");
  EXPECT_FALSE(p.capture);
  EXPECT_EQ(p.resource.status, payment_status::pending);
  EXPECT_EQ(p.resource.amount, (protocol::money{1000, cny()}));
  EXPECT_EQ(p.resource.amount_captured, 0);
  EXPECT_EQ(p.resource.amount_refunded, 0);
  EXPECT_EQ(p.resource.merchant_reference, "order-123");
  EXPECT_EQ(p.resource.description, "two books");
  EXPECT_EQ(p.resource.created_at, t0);
  EXPECT_FALSE(p.resource.business_date.has_value());
  const auto* card = std::get_if<protocol::card_summary>(&p.resource.payment_method);
  ASSERT_NE(card, nullptr);
  EXPECT_EQ(card->bin, "411111");
  EXPECT_EQ(card->last4, "1111");
}

TEST(PaymentStateMachine, OpenRefusesAmountsOutsideTheRange) {
  for (const std::int64_t amount : {std::int64_t{0}, std::int64_t{-1}}) {
    const auto r = open_payment("pay_1", "m", create_request(amount, true), t0);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), (refusal{refusal_code::amount_not_positive, operation::open,
                                  payment_status::pending, 0}));
  }
  const auto r = open_payment("pay_1", "m", create_request(limits::amount_minor_max + 1, true), t0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, refusal_code::amount_too_large);
  EXPECT_EQ(r.error().amount_max, limits::amount_minor_max);
  EXPECT_TRUE(open_payment("pay_1", "m", create_request(limits::amount_minor_max, true), t0));
}

TEST(PaymentStateMachine, ApprovedSaleCapturesEverythingAndStampsTheDate) {
  const auto t = ok(apply_outcome(opened(true), channel_approved{"123456", "00"}, stamp(2)));
  EXPECT_EQ(t.payment.resource.status, payment_status::captured);
  EXPECT_EQ(t.payment.resource.amount_captured, 1000);
  EXPECT_EQ(t.payment.resource.authorization_code, "123456");
  EXPECT_EQ(t.payment.resource.response_code, "00");
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  EXPECT_EQ(t.payment.resource.business_date, date0);
  EXPECT_EQ(t.payment.resource.updated_at, t0 + std::chrono::seconds{3});
  const payment_event want{"ev_2",
                           "pay_1",
                           std::nullopt,
                           event_type::sale,
                           event_result::approved,
                           protocol::money{1000, cny()},
                           "123456",
                           "00",
                           std::nullopt,
                           event_time{t0} + milliseconds{3000},
                           date0};
  EXPECT_EQ(t.event, want);
}

TEST(PaymentStateMachine, ApprovalWithoutCaptureOnlyAuthorizes) {
  const auto t = ok(apply_outcome(opened(false), channel_approved{"123456"}, stamp(1)));
  EXPECT_EQ(t.payment.resource.status, payment_status::authorized);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_EQ(t.event.type, event_type::authorization);
  EXPECT_EQ(t.event.amount.amount, 1000);
  EXPECT_EQ(t.event.authorization_code, "123456");
}

TEST(PaymentStateMachine, DeclineKeepsTheCodeAndRecordsTheAttempt) {
  const auto t = ok(apply_outcome(
      opened(false), channel_declined{protocol::decline::insufficient_funds, "51"}, stamp(1)));
  EXPECT_EQ(t.payment.resource.status, payment_status::declined);
  EXPECT_EQ(t.payment.resource.decline_code, protocol::decline::insufficient_funds);
  EXPECT_EQ(t.payment.resource.response_code, "51");
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_EQ(t.event.type, event_type::authorization);
  EXPECT_EQ(t.event.result, event_result::declined);
  EXPECT_EQ(t.event.decline_code, protocol::decline::insufficient_funds);
  EXPECT_FALSE(t.event.authorization_code.has_value());
}

TEST(PaymentStateMachine, SwitchRiskDeclineHasNoResponseCode) {
  const auto t = ok(apply_outcome(
      opened(true), channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt},
      stamp(1)));
  EXPECT_EQ(t.payment.resource.status, payment_status::declined);
  EXPECT_FALSE(t.payment.resource.response_code.has_value());
  EXPECT_EQ(t.payment.resource.decline_code, protocol::decline::risk_limit_exceeded);
}

TEST(PaymentStateMachine, ChannelFailureFailsThePayment) {
  const auto t = ok(
      apply_outcome(opened(true), channel_failed{protocol::decline::system_malfunction}, stamp(1)));
  EXPECT_EQ(t.payment.resource.status, payment_status::failed);
  EXPECT_EQ(t.payment.resource.decline_code, protocol::decline::system_malfunction);
  EXPECT_EQ(t.event.type, event_type::sale);
  EXPECT_EQ(t.event.result, event_result::failed);
}

TEST(PaymentStateMachine, TimeoutIsReversedAndALateAnswerIsRefused) {
  const auto t = ok(apply_outcome(opened(true), channel_timed_out{}, stamp(1)));
  EXPECT_EQ(t.payment.resource.status, payment_status::failed);
  EXPECT_EQ(t.payment.resource.decline_code, protocol::decline::issuer_unavailable);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_EQ(t.event.type, event_type::reversal);
  EXPECT_EQ(t.event.result, event_result::approved);
  EXPECT_EQ(t.event.amount.amount, 1000);
  const auto late = apply_outcome(t.payment, channel_approved{"123456"}, stamp(2));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(),
            (refusal{refusal_code::invalid_state, operation::complete, payment_status::failed, 0}));
}

TEST(PaymentStateMachine, PendingPaymentTakesItsLateAsynchronousCompletion) {
  payment_record p = opened(true);
  p.resource.channel = "wallet-1";
  p.resource.rrn = "632612000001";
  const auto t = ok(apply_outcome(p, channel_approved{"W1"}, stamp(9)));
  EXPECT_EQ(t.payment.resource.status, payment_status::captured);
  EXPECT_EQ(t.payment.resource.channel, "wallet-1");
  EXPECT_EQ(t.payment.resource.rrn, "632612000001");
  EXPECT_EQ(t.payment.resource.business_date, date0);
}

TEST(PaymentStateMachine, PartialCaptureHappensOnceAndReleasesTheRest) {
  const auto t = ok(capture(in_state(payment_status::authorized), {600}, stamp(2)));
  EXPECT_EQ(t.payment.resource.status, payment_status::captured);
  EXPECT_EQ(t.payment.resource.amount_captured, 600);
  EXPECT_EQ(t.event.type, event_type::capture);
  EXPECT_EQ(t.event.amount, (protocol::money{600, cny()}));
  const auto again = capture(t.payment, {400}, stamp(3));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, refusal_code::invalid_state);
  const auto over = begin_refund(t.payment, {601, std::nullopt}, "re_1", at(4));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_refundable, operation::refund,
                                   payment_status::captured, 600}));
}

TEST(PaymentStateMachine, CaptureWithoutAmountTakesAllAuthorized) {
  const auto t = ok(capture(in_state(payment_status::authorized), {}, stamp(2)));
  EXPECT_EQ(t.payment.resource.amount_captured, 1000);
  EXPECT_EQ(t.event.amount.amount, 1000);
}

TEST(PaymentStateMachine, CaptureRefusesAmountsOutsideTheAuthorization) {
  const payment_record p = in_state(payment_status::authorized);
  const auto over = capture(p, {1001}, stamp(2));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_authorized, operation::capture,
                                   payment_status::authorized, 1000}));
  for (const std::int64_t amount : {std::int64_t{0}, std::int64_t{-5}}) {
    const auto r = capture(p, {amount}, stamp(2));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, refusal_code::amount_not_positive);
  }
}

TEST(PaymentStateMachine, StateIsCheckedBeforeTheAmount) {
  const auto r = capture(in_state(payment_status::declined), {0}, stamp(2));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, refusal_code::invalid_state);
  const auto s =
      begin_refund(in_state(payment_status::voided), {5000, std::nullopt}, "re_1", at(3));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, refusal_code::invalid_state);
}

TEST(PaymentStateMachine, VoidReleasesTheWholeAuthorization) {
  const auto t = ok(void_payment(in_state(payment_status::authorized), stamp(2)));
  EXPECT_EQ(t.payment.resource.status, payment_status::voided);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_EQ(t.event.type, event_type::void_);
  EXPECT_EQ(t.event.amount.amount, 1000);
}

// The refunds of the refund-outcome table: each starts pending on a payment of 1000 CNY.
struct refund_case {
  payment_record payment;
  refund_record refund;
};

refund_case pending_refund(const payment_record& p, std::int64_t amount, std::string id) {
  const auto started = begin(p, amount, std::move(id));
  return refund_case{started.payment, started.refund};
}

refund_case completed_refund(const channel_outcome& outcome) {
  const auto c = pending_refund(in_state(payment_status::captured), 300, "re_5");
  const auto t = ok(apply_refund_outcome(c.payment, c.refund, outcome, stamp(5)));
  return refund_case{t.payment, t.refund};
}

enum class refund_fixture : std::uint8_t {
  part_pending,       // 300 of a captured payment
  rest_pending,       // the last 700, after 300 succeeded
  beside_another,     // 600, while a refund of 400 is pending too
  already_succeeded,  // 300, approved
  already_failed,     // 300, declined
};

refund_case make(refund_fixture f) {
  switch (f) {
    case refund_fixture::part_pending:
      return pending_refund(in_state(payment_status::captured), 300, "re_5");
    case refund_fixture::rest_pending:
      return pending_refund(in_state(payment_status::partially_refunded), 700, "re_5");
    case refund_fixture::beside_another: {
      const auto other = begin(in_state(payment_status::captured), 400, "re_4");
      return pending_refund(other.payment, 600, "re_5");
    }
    case refund_fixture::already_succeeded:
      return completed_refund(channel_approved{"R5"});
    case refund_fixture::already_failed:
      return completed_refund(channel_declined{});
  }
  ADD_FAILURE() << "no such fixture";
  return {};
}

// The columns of the refund-outcome table: the channel's answer, and the codes it leaves on the
// refund and its event.
struct refund_column {
  channel_outcome outcome;
  std::optional<std::string> authorization_code;
  std::optional<std::string> response_code;
  std::optional<protocol::decline> decline_code;
};

std::array<refund_column, 4> refund_columns() {
  using protocol::decline;
  return {
      refund_column{channel_approved{"654321"}, "654321", "00", std::nullopt},
      refund_column{channel_declined{decline::insufficient_funds, "51"}, std::nullopt, "51",
                    decline::insufficient_funds},
      refund_column{channel_failed{decline::system_malfunction}, std::nullopt, std::nullopt,
                    decline::system_malfunction},
      refund_column{channel_timed_out{}, std::nullopt, std::nullopt, decline::issuer_unavailable}};
}

struct refund_cell {
  protocol::refund_status refund;
  payment_status payment;
  event_type type;
  event_result result;
  std::int64_t refunded;  // the payment's amount_refunded after
  std::int64_t pending;   // the payment's amount_refund_pending after
};

TEST(PaymentRefundOutcome, EveryRefundStateAndOutcomePairHasItsOutcome) {
  using enum payment_status;
  using enum refund_fixture;
  constexpr auto refund_succeeded = protocol::refund_status::succeeded;
  constexpr auto refund_failed = protocol::refund_status::failed;
  constexpr auto as_refund = event_type::refund;
  constexpr auto as_reversal = event_type::reversal;
  constexpr auto result_approved = event_result::approved;
  constexpr auto result_declined = event_result::declined;
  constexpr auto result_failed = event_result::failed;
  using cell = std::optional<refund_cell>;  // nullopt: refused with invalid_state
  constexpr cell refused = std::nullopt;
  // Columns follow refund_columns(): approved, declined, failed, timed out.
  const auto columns = refund_columns();
  const std::map<refund_fixture, std::array<cell, columns.size()>> table{
      {part_pending,
       {refund_cell{refund_succeeded, partially_refunded, as_refund, result_approved, 300, 0},
        refund_cell{refund_failed, captured, as_refund, result_declined, 0, 0},
        refund_cell{refund_failed, captured, as_refund, result_failed, 0, 0},
        refund_cell{refund_failed, captured, as_reversal, result_approved, 0, 0}}},
      {rest_pending,
       {refund_cell{refund_succeeded, refunded, as_refund, result_approved, 1000, 0},
        refund_cell{refund_failed, partially_refunded, as_refund, result_declined, 300, 0},
        refund_cell{refund_failed, partially_refunded, as_refund, result_failed, 300, 0},
        refund_cell{refund_failed, partially_refunded, as_reversal, result_approved, 300, 0}}},
      {beside_another,
       {refund_cell{refund_succeeded, partially_refunded, as_refund, result_approved, 600, 400},
        refund_cell{refund_failed, captured, as_refund, result_declined, 0, 400},
        refund_cell{refund_failed, captured, as_refund, result_failed, 0, 400},
        refund_cell{refund_failed, captured, as_reversal, result_approved, 0, 400}}},
      {already_succeeded, {refused, refused, refused, refused}},
      {already_failed, {refused, refused, refused, refused}},
  };
  ASSERT_EQ(table.size(), 5u);
  for (const auto& [fixture, row] : table) {
    const refund_case before = make(fixture);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const refund_column& column = columns[i];
      SCOPED_TRACE("fixture " + std::to_string(static_cast<int>(fixture)) + " x column " +
                   std::to_string(i));
      const auto got =
          apply_refund_outcome(before.payment, before.refund, column.outcome, stamp(7));
      if (!row[i]) {
        ASSERT_FALSE(got.has_value());
        EXPECT_EQ(got.error(),
                  (refusal{refusal_code::invalid_state, operation::complete_refund,
                           before.payment.resource.status, 0, before.refund.resource.status}));
        continue;
      }
      ASSERT_TRUE(got.has_value()) << describe(got.error());
      const refund_cell& want = *row[i];

      payment_record payment = before.payment;
      payment.resource.status = want.payment;
      payment.resource.amount_refunded = want.refunded;
      payment.resource.updated_at = at(10);
      payment.amount_refund_pending = want.pending;
      EXPECT_EQ(got->payment, payment);

      refund_record refund = before.refund;
      refund.resource.status = want.refund;
      refund.response_code = column.response_code;
      refund.decline_code = column.decline_code;
      EXPECT_EQ(got->refund, refund);

      const payment_event event{"ev_7",
                                "pay_1",
                                "re_5",
                                want.type,
                                want.result,
                                before.refund.resource.amount,
                                column.authorization_code,
                                column.response_code,
                                column.decline_code,
                                event_time{t0} + milliseconds{10'500},
                                date0};
      EXPECT_EQ(got->event, event);
    }
  }
}

TEST(PaymentRefund, BeginReservesTheAmountAndAnswersPending) {
  const payment_record p = in_state(payment_status::captured);
  const auto t = ok(begin_refund(p, {250, "damaged"}, "re_9", at(6)));
  const protocol::refund want{
      "re_9",    "pay_1", protocol::money{250, cny()}, protocol::refund_status::pending,
      "damaged", at(6)};
  EXPECT_EQ(t.refund,
            (refund_record{want, std::nullopt, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ(t.payment.amount_refund_pending, 250);
  // The API's payment shows succeeded refunds only: status, amount_refunded and updated_at stay.
  EXPECT_EQ(t.payment.resource, p.resource);
  EXPECT_EQ(t.payment.resource.amount_refunded, 0);
}

TEST(PaymentRefund, ConcurrentRefundsNeverTogetherExceedTheCapturedAmount) {
  const payment_record p = in_state(payment_status::captured);
  const auto first = begin(p, 600, "re_1");
  const auto over = begin_refund(first.payment, {401, std::nullopt}, "re_2", at(4));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_refundable, operation::refund,
                                   payment_status::captured, 400}));
  const auto second = begin(first.payment, 400, "re_2");
  EXPECT_EQ(second.payment.amount_refund_pending, 1000);
  const auto none_left = begin_refund(second.payment, {1, std::nullopt}, "re_3", at(4));
  ASSERT_FALSE(none_left.has_value());
  EXPECT_EQ(none_left.error(), (refusal{refusal_code::amount_exceeds_refundable, operation::refund,
                                        payment_status::captured, 0}));

  // The first is declined: its reservation is released and can be refunded again.
  const auto declined =
      ok(apply_refund_outcome(second.payment, first.refund, channel_declined{}, stamp(5)));
  EXPECT_EQ(declined.payment.amount_refund_pending, 400);
  EXPECT_EQ(declined.payment.resource.status, payment_status::captured);
  const auto third = begin(declined.payment, 600, "re_3");
  // The second and third succeed, in either order the channel answers them.
  const auto a =
      ok(apply_refund_outcome(third.payment, third.refund, channel_approved{"A"}, stamp(6)));
  EXPECT_EQ(a.payment.resource.status, payment_status::partially_refunded);
  EXPECT_EQ(a.payment.resource.amount_refunded, 600);
  const auto b =
      ok(apply_refund_outcome(a.payment, second.refund, channel_approved{"B"}, stamp(7)));
  EXPECT_EQ(b.payment.resource.status, payment_status::refunded);
  EXPECT_EQ(b.payment.resource.amount_refunded, 1000);
  EXPECT_EQ(b.payment.amount_refund_pending, 0);
}

TEST(PaymentRefund, PartialRefundsAddUpToTheCapturedAmount) {
  payment_record p = in_state(payment_status::captured);
  const std::int64_t parts[] = {300, 300, 400};
  for (const std::int64_t part : parts) {
    const std::string id = "re_" + std::to_string(part);
    const auto started = ok(begin_refund(p, {part, "damaged"}, id, at(6)));
    const auto t =
        ok(apply_refund_outcome(started.payment, started.refund, channel_approved{"R"}, stamp(4)));
    EXPECT_EQ(t.event.refund_id, id);
    EXPECT_EQ(t.refund.resource.amount, (protocol::money{part, cny()}));
    EXPECT_EQ(t.refund.resource.status, protocol::refund_status::succeeded);
    p = t.payment;
  }
  EXPECT_EQ(p.resource.status, payment_status::refunded);
  EXPECT_EQ(p.resource.amount_refunded, 1000);
  const auto more = begin_refund(p, {1, std::nullopt}, "re_4", at(7));
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code, refusal_code::invalid_state);
  EXPECT_EQ(more.error().status, payment_status::refunded);
}

TEST(PaymentRefund, WalletRefundStaysPendingUntilItsProviderCallsBack) {
  payment_record p = in_state(payment_status::captured);
  p.resource.channel = "wallet-1";
  const auto started = begin(p, 1000, "re_1");
  // Until the callback, the payment shows nothing refunded and nothing more can be refunded.
  EXPECT_EQ(started.payment.resource.status, payment_status::captured);
  EXPECT_EQ(started.payment.resource.amount_refunded, 0);
  EXPECT_FALSE(begin_refund(started.payment, {1, std::nullopt}, "re_2", at(8)).has_value());
  const auto t =
      ok(apply_refund_outcome(started.payment, started.refund, channel_approved{"W9"}, stamp(20)));
  EXPECT_EQ(t.payment.resource.status, payment_status::refunded);
  EXPECT_EQ(t.payment.resource.channel, "wallet-1");
  EXPECT_EQ(t.payment.resource.updated_at, at(30));
  EXPECT_EQ(t.event.business_date, date0);
}

TEST(PaymentRefund, TimedOutRefundIsReversedAndALateAnswerIsRefused) {
  const auto started = begin(in_state(payment_status::captured), 300, "re_1");
  const auto t =
      ok(apply_refund_outcome(started.payment, started.refund, channel_timed_out{}, stamp(5)));
  EXPECT_EQ(t.refund.resource.status, protocol::refund_status::failed);
  EXPECT_EQ(t.refund.decline_code, protocol::decline::issuer_unavailable);
  EXPECT_EQ(t.event.type, event_type::reversal);
  EXPECT_EQ(t.event.refund_id, "re_1");
  EXPECT_EQ(t.event.amount.amount, 300);
  EXPECT_EQ(t.payment.amount_refund_pending, 0);
  EXPECT_EQ(t.payment.resource.amount_refunded, 0);
  const auto late = apply_refund_outcome(t.payment, t.refund, channel_approved{"R1"}, stamp(6));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(), (refusal{refusal_code::invalid_state, operation::complete_refund,
                                   payment_status::captured, 0, protocol::refund_status::failed}));
  EXPECT_EQ(describe(late.error()), "cannot complete a refund whose status is failed");
}

TEST(PaymentRefund, DeclinedRefundLeavesThePaymentAsItWas) {
  const payment_record p = in_state(payment_status::partially_refunded);
  const auto started = begin(p, 500, "re_2");
  const auto t = ok(apply_refund_outcome(
      started.payment, started.refund,
      channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt}, stamp(5)));
  EXPECT_EQ(t.payment.resource.status, payment_status::partially_refunded);
  EXPECT_EQ(t.payment.resource.amount_refunded, 300);
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  EXPECT_EQ(t.payment.amount_refund_pending, 0);
  EXPECT_EQ(t.refund.decline_code, protocol::decline::risk_limit_exceeded);
  EXPECT_FALSE(t.refund.response_code.has_value());
  EXPECT_EQ(t.event.result, event_result::declined);
}

TEST(PaymentRefund, RefusesAmountsOutsideWhatIsLeft) {
  const payment_record p = in_state(payment_status::partially_refunded);  // 300 of 1000 refunded
  const auto over = begin_refund(p, {701, std::nullopt}, "re_1", at(4));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_refundable, operation::refund,
                                   payment_status::partially_refunded, 700}));
  EXPECT_TRUE(begin_refund(p, {700, std::nullopt}, "re_1", at(4)).has_value());
  for (const std::int64_t amount : {std::int64_t{0}, std::int64_t{-1}}) {
    const auto r = begin_refund(p, {amount, std::nullopt}, "re_1", at(4));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, refusal_code::amount_not_positive);
  }
}

TEST(PaymentStateMachine, RefusalsDescribeThemselves) {
  EXPECT_EQ(describe({refusal_code::invalid_state, operation::capture, payment_status::declined}),
            "cannot capture a payment whose status is declined");
  EXPECT_EQ(describe({refusal_code::invalid_state, operation::complete, payment_status::failed}),
            "cannot complete a payment whose status is failed");
  EXPECT_EQ(describe({refusal_code::amount_exceeds_refundable, operation::refund,
                      payment_status::captured, 700}),
            "amount exceeds the amount left to refund (at most 700)");
  EXPECT_EQ(describe({refusal_code::amount_exceeds_authorized, operation::capture,
                      payment_status::authorized, 1000}),
            "amount exceeds the authorized amount (at most 1000)");
  EXPECT_EQ(
      describe({refusal_code::amount_not_positive, operation::refund, payment_status::captured}),
      "amount must be greater than zero");
  EXPECT_EQ(describe({refusal_code::invalid_state, operation::complete_refund,
                      payment_status::partially_refunded, 0, protocol::refund_status::succeeded}),
            "cannot complete a refund whose status is succeeded");
  EXPECT_EQ(to_string(refusal_code::amount_exceeds_refundable), "amount_exceeds_refundable");
  EXPECT_EQ(to_string(operation::void_), "void");
  EXPECT_EQ(to_string(operation::complete_refund), "complete_refund");
}

TEST(PaymentStateMachine, EventNamesRoundTrip) {
  for (const auto type : {event_type::authorization, event_type::sale, event_type::capture,
                          event_type::void_, event_type::refund, event_type::reversal}) {
    EXPECT_EQ(event_type_from_string(to_string(type)), type);
  }
  for (const auto result : {event_result::approved, event_result::declined, event_result::failed}) {
    EXPECT_EQ(event_result_from_string(to_string(result)), result);
  }
  EXPECT_EQ(to_string(event_type::void_), "void");
  EXPECT_FALSE(event_type_from_string("void_").has_value());
  EXPECT_FALSE(event_result_from_string("").has_value());
}

TEST(PaymentStateMachineDeathTest, CorruptAmountsStopTheProcess) {
  payment_record corrupt = in_state(payment_status::captured);
  corrupt.resource.amount_captured = 2000;  // more captured than was ever authorized
  EXPECT_DEATH((void)begin_refund(corrupt, {1, std::nullopt}, "re_1", at(4)),
               "amount_captured <= p.amount.amount");
}

TEST(PaymentStateMachineDeathTest, ReservationsAboveTheCapturedAmountStopTheProcess) {
  payment_record corrupt = in_state(payment_status::partially_refunded);  // 300 refunded
  corrupt.amount_refund_pending = 800;
  EXPECT_DEATH((void)begin_refund(corrupt, {1, std::nullopt}, "re_1", at(4)),
               "amount_refund_pending <= p.amount_captured");
}

TEST(PaymentStateMachineDeathTest, RefundOutsideThePaymentsReservationStopsTheProcess) {
  const auto started = begin(in_state(payment_status::captured), 300, "re_1");
  payment_record unreserved = started.payment;
  unreserved.amount_refund_pending = 299;
  EXPECT_DEATH(
      (void)apply_refund_outcome(unreserved, started.refund, channel_approved{"R"}, stamp(4)),
      "refund.amount.amount <= payment.amount_refund_pending");
  refund_record foreign = started.refund;
  foreign.resource.payment_id = "pay_2";
  EXPECT_DEATH(
      (void)apply_refund_outcome(started.payment, foreign, channel_approved{"R"}, stamp(4)),
      "refund.payment_id == payment.resource.id");
}

}  // namespace
}  // namespace sy::clearing
