#include "clearing/payment.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <set>
#include <variant>
#include <vector>

#include "config/limits.h"

namespace sy::clearing {
namespace {

using protocol::payment_status;
using std::chrono::milliseconds;

constexpr std::chrono::sys_seconds t0{std::chrono::seconds{1'795'303'125}};
constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};

// DE 37 and DE 11 the caller gives a request when it routes it; each request has its own.
struct request_ids {
  std::string rrn;
  std::string stan;
};
const request_ids payment_ids{"632612000001", "000001"};
const request_ids capture_ids{"632612000002", "000002"};
const request_ids void_ids{"632612000003", "000003"};

// A refund's own request: "re_5" is sent as 632612100005 / 100005.
request_ids refund_ids(const std::string& refund_id) {
  std::string n = refund_id.substr(3);
  n.insert(0, 3 - n.size(), '0');
  return {"632612100" + n, "100" + n};
}

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

// What the caller sets when it routes the first request, before its "sent" record.
payment_record routed(payment_record p) {
  p.resource.channel = "bank-1";
  p.resource.rrn = payment_ids.rrn;
  p.stan = payment_ids.stan;
  return p;
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

// Begins a refund and routes it.
refund_start begin(const payment_record& p, std::int64_t amount, std::string id = "re_1") {
  auto started =
      ok(begin_refund(p, protocol::refund_request{amount, std::nullopt}, std::move(id), at(3)));
  const request_ids ids = refund_ids(started.refund.resource.id);
  started.refund.rrn = ids.rrn;
  started.refund.stan = ids.stan;
  return started;
}

// Begins a refund and has the channel approve it.
payment_record refund_amount(const payment_record& p, std::int64_t amount) {
  const auto started = begin(p, amount);
  return ok(apply_refund_outcome(started.payment, started.refund, channel_approved{"R1"}, stamp(3)))
      .payment;
}

// Routes a begun capture or void as the caller does, with the change's own request ids.
payment_record routed_change(payment_record p, const request_ids& ids) {
  EXPECT_TRUE(p.change.has_value());
  p.change->rrn = ids.rrn;
  p.change->stan = ids.stan;
  return p;
}

payment_record capturing(const payment_record& p, std::optional<std::int64_t> amount,
                         const request_ids& ids = capture_ids) {
  return routed_change(ok(begin_capture(p, protocol::capture_request{amount})), ids);
}

payment_record voiding(const payment_record& p) {
  return routed_change(ok(begin_void(p)), void_ids);
}

payment_transition answer_change(const payment_record& p, const channel_outcome& outcome) {
  return ok(apply_change_outcome(p, outcome, stamp(2)));
}

// A payment of 1000 CNY in `status`, reached through the state machine itself.
payment_record in_state(payment_status status) {
  switch (status) {
    case payment_status::pending:
      return routed(opened(true));
    case payment_status::authorized:
      return approve(routed(opened(false)));
    case payment_status::captured:
      return approve(routed(opened(true)));
    case payment_status::declined:
      return ok(apply_outcome(routed(opened(true)), channel_declined{}, stamp(1))).payment;
    case payment_status::voided:
      return answer_change(voiding(in_state(payment_status::authorized)), channel_approved{"V1"})
          .payment;
    case payment_status::partially_refunded:
      return refund_amount(in_state(payment_status::captured), 300);
    case payment_status::refunded:
      return refund_amount(in_state(payment_status::captured), 1000);
    case payment_status::failed:
      return ok(apply_outcome(routed(opened(true)), channel_failed{}, stamp(1))).payment;
  }
  ADD_FAILURE() << "no such status";
  return {};
}

enum class op : std::uint8_t {
  approve,  // apply_outcome: the first request's answer
  decline,
  fail,
  time_out,
  capture_all,     // begin_capture of everything authorized
  capture_part,    // begin_capture of 600 of 1000
  void_,           // begin_void
  change_approve,  // apply_change_outcome: the pending capture's or void's answer
  change_decline,
  change_fail,
  change_time_out,
  refund_part,  // begin a refund of 200
  refund_rest,  // begin a refund of captured minus refunded and pending
};
constexpr std::array all_ops{
    op::approve,         op::decline,     op::fail,           op::time_out,       op::capture_all,
    op::capture_part,    op::void_,       op::change_approve, op::change_decline, op::change_fail,
    op::change_time_out, op::refund_part, op::refund_rest};

// The channel's answer an outcome operation applies.
channel_outcome outcome_of(op o) {
  switch (o) {
    case op::approve:
    case op::change_approve:
      return channel_approved{"654321"};
    case op::decline:
    case op::change_decline:
      return channel_declined{protocol::decline::insufficient_funds, "51"};
    case op::fail:
    case op::change_fail:
      return channel_failed{};
    case op::time_out:
    case op::change_time_out:
      return channel_timed_out{};
    default:
      ADD_FAILURE() << "not an outcome";
      return channel_timed_out{};
  }
}

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

// A capture or void begun records no event: nothing has happened at the channel yet.
applied collect(const result<payment_record, refusal>& r) {
  if (!r.has_value()) return applied{std::nullopt, std::nullopt, r.error(), std::nullopt};
  return applied{*r, std::nullopt, std::nullopt, std::nullopt};
}

// Nor does a refund begun.
applied collect(const result<refund_start, refusal>& r) {
  if (!r.has_value()) return applied{std::nullopt, std::nullopt, r.error(), std::nullopt};
  return applied{r->payment, std::nullopt, std::nullopt, r->refund};
}

applied run(const payment_record& p, op o) {
  const auto s = stamp(7);
  switch (o) {
    case op::approve:
    case op::decline:
    case op::fail:
    case op::time_out:
      return collect(apply_outcome(p, outcome_of(o), s));
    case op::capture_all:
      return collect(begin_capture(p, protocol::capture_request{}));
    case op::capture_part:
      return collect(begin_capture(p, protocol::capture_request{600}));
    case op::void_:
      return collect(begin_void(p));
    case op::change_approve:
    case op::change_decline:
    case op::change_fail:
    case op::change_time_out:
      return collect(apply_change_outcome(p, outcome_of(o), s));
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
    case op::change_approve:
    case op::change_decline:
    case op::change_fail:
    case op::change_time_out:
      return operation::complete_change;
    case op::refund_part:
    case op::refund_rest:
      return operation::refund;
  }
  return operation::open;
}

// The change an allowed begin_capture or begin_void records, nullopt for the other operations.
std::optional<pending_change> change_of(op o) {
  switch (o) {
    case op::capture_all:
      return pending_change{change_kind::capture, 1000, std::nullopt, std::nullopt};
    case op::capture_part:
      return pending_change{change_kind::capture, 600, std::nullopt, std::nullopt};
    case op::void_:
      return pending_change{change_kind::void_, 1000, std::nullopt, std::nullopt};
    default:
      return std::nullopt;
  }
}

using recorded = std::pair<event_type, event_result>;

// What an allowed operation records on `before` (the pending payment of the table has capture:
// true); nullopt when it records no event.
std::optional<recorded> event_of(op o, const payment_record& before) {
  const bool capture = before.change && before.change->kind == change_kind::capture;
  const event_type change_type = capture ? event_type::capture : event_type::void_;
  switch (o) {
    case op::approve:
      return recorded{event_type::sale, event_result::approved};
    case op::decline:
      return recorded{event_type::sale, event_result::declined};
    case op::fail:
      return recorded{event_type::sale, event_result::failed};
    case op::time_out:
      return recorded{event_type::reversal, event_result::approved};
    case op::change_approve:
      return recorded{change_type, event_result::approved};
    case op::change_decline:
      return recorded{change_type, event_result::declined};
    case op::change_fail:
      return recorded{change_type, event_result::failed};
    case op::change_time_out:
      // A capture's completion advice is reversed; a void is a reversal and stands.
      return capture ? recorded{event_type::reversal, event_result::approved}
                     : recorded{event_type::void_, event_result::approved};
    default:
      return std::nullopt;
  }
}

// Checks what an allowed operation that records no event left: a capture or void begun, or a
// refund begun; either way the resource is as it was.
void expect_begun(const payment_record& before, op o, const applied& got) {
  EXPECT_EQ(got.payment->resource, before.resource);
  if (const auto change = change_of(o)) {
    EXPECT_EQ(got.payment->change, change);
    EXPECT_FALSE(got.refund.has_value());
    return;
  }
  ASSERT_TRUE(got.refund.has_value());
  EXPECT_EQ(got.refund->resource.status, protocol::refund_status::pending);
  EXPECT_EQ(got.payment->amount_refund_pending,
            before.amount_refund_pending + got.refund->resource.amount.amount);
}

// Checks the event an allowed operation recorded: it answers the change's request when a change
// was pending, else the payment's first request.
void expect_event(const payment_record& before, const recorded& want, const applied& got) {
  ASSERT_TRUE(got.event.has_value());
  EXPECT_EQ(std::pair(got.event->type, got.event->result), want);
  EXPECT_EQ(got.event->id, "ev_7");
  EXPECT_EQ(got.event->payment_id, "pay_1");
  EXPECT_EQ(got.event->amount.currency, cny());
  const auto& rrn = before.change ? before.change->rrn : before.resource.rrn;
  const auto& stan = before.change ? before.change->stan : before.stan;
  ASSERT_TRUE(rrn.has_value() && stan.has_value());
  EXPECT_EQ(got.event->rrn, rrn);
  EXPECT_EQ(got.event->stan, stan);
  const std::int64_t amount = before.change ? before.change->amount : before.resource.amount.amount;
  EXPECT_EQ(got.event->amount.amount, amount);
  EXPECT_FALSE(got.payment->change.has_value());
  EXPECT_EQ(got.payment->resource.updated_at, at(10));
}

// An allowed operation's new status, or the refusal of one that is not.
using expected = std::variant<payment_status, refusal_code>;
constexpr refusal_code no = refusal_code::invalid_state;
constexpr refusal_code busy = refusal_code::change_pending;

struct table_row {
  std::string name;
  payment_record before;
  std::array<expected, all_ops.size()> after;
};

TEST(PaymentStateMachine, EveryStateAndOperationPairHasItsOutcome) {
  using enum payment_status;
  const payment_record capture_pending = capturing(in_state(authorized), 600);
  const payment_record void_pending = voiding(in_state(authorized));
  // Columns follow all_ops: approve, decline, fail, time_out, capture_all, capture_part, void,
  // change_approve, change_decline, change_fail, change_time_out, refund_part, refund_rest. Begun
  // captures, voids and refunds leave the payment's status as it was.
  const std::vector<table_row> table{
      {"pending",
       in_state(pending),
       {captured, declined, failed, failed, no, no, no, no, no, no, no, no, no}},
      {"authorized",
       in_state(authorized),
       {no, no, no, no, authorized, authorized, authorized, no, no, no, no, no, no}},
      {"capture pending",
       capture_pending,
       {no, no, no, no, busy, busy, busy, captured, authorized, authorized, authorized, no, no}},
      {"void pending",
       void_pending,
       {no, no, no, no, busy, busy, busy, voided, authorized, authorized, voided, no, no}},
      {"captured",
       in_state(captured),
       {no, no, no, no, no, no, no, no, no, no, no, captured, captured}},
      {"declined", in_state(declined), {no, no, no, no, no, no, no, no, no, no, no, no, no}},
      {"voided", in_state(voided), {no, no, no, no, no, no, no, no, no, no, no, no, no}},
      {"partially_refunded",
       in_state(partially_refunded),
       {no, no, no, no, no, no, no, no, no, no, no, partially_refunded, partially_refunded}},
      {"refunded", in_state(refunded), {no, no, no, no, no, no, no, no, no, no, no, no, no}},
      {"failed", in_state(failed), {no, no, no, no, no, no, no, no, no, no, no, no, no}},
  };
  std::set<payment_status> covered;
  for (const auto& row : table) covered.insert(row.before.resource.status);
  ASSERT_EQ(covered.size(), 8u);
  for (const auto& [name, before, after] : table) {
    for (std::size_t i = 0; i < all_ops.size(); ++i) {
      const op o = all_ops[i];
      const auto got = run(before, o);
      SCOPED_TRACE(name + " x op " + std::to_string(i));
      if (const auto* code = std::get_if<refusal_code>(&after[i])) {
        ASSERT_TRUE(got.refused.has_value());
        EXPECT_EQ(*got.refused, (refusal{*code, operation_of(o), before.resource.status}));
        continue;
      }
      ASSERT_FALSE(got.refused.has_value()) << describe(*got.refused);
      EXPECT_EQ(got.payment->resource.status, std::get<payment_status>(after[i]));
      if (const auto want = event_of(o, before)) {
        expect_event(before, *want, got);
      } else {
        ASSERT_FALSE(got.event.has_value());
        expect_begun(before, o, got);
      }
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
  const auto t =
      ok(apply_outcome(routed(opened(true)), channel_approved{"123456", "00"}, stamp(2)));
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
                           payment_ids.rrn,
                           payment_ids.stan,
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

TEST(PaymentCapture, BeginRecordsThePendingChangeOnly) {
  const payment_record p = in_state(payment_status::authorized);
  const auto begun = ok(begin_capture(p, {600}));
  // Nothing has happened at the channel: the API still shows the payment as it was.
  EXPECT_EQ(begun.resource, p.resource);
  EXPECT_EQ(begun.change, (pending_change{change_kind::capture, 600, std::nullopt, std::nullopt}));
  EXPECT_EQ(ok(begin_capture(p, {})).change->amount, 1000);
  const auto voided = ok(begin_void(p));
  EXPECT_EQ(voided.resource, p.resource);
  EXPECT_EQ(voided.change, (pending_change{change_kind::void_, 1000, std::nullopt, std::nullopt}));
}

TEST(PaymentCapture, PartialCaptureHappensOnceAndReleasesTheRest) {
  const auto t =
      answer_change(capturing(in_state(payment_status::authorized), 600), channel_approved{"C1"});
  EXPECT_EQ(t.payment.resource.status, payment_status::captured);
  EXPECT_EQ(t.payment.resource.amount_captured, 600);
  EXPECT_FALSE(t.payment.change.has_value());
  EXPECT_EQ(t.event.type, event_type::capture);
  EXPECT_EQ(t.event.amount, (protocol::money{600, cny()}));
  const auto again = begin_capture(t.payment, {400});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(),
            (refusal{refusal_code::invalid_state, operation::capture, payment_status::captured}));
  const auto over = begin_refund(t.payment, {601, std::nullopt}, "re_1", at(4));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_refundable, operation::refund,
                                   payment_status::captured, 600}));
}

// A 0230 without DE 38: the capture event presents the authorization's code.
TEST(PaymentCapture, AnAnswerWithoutAuthorizationCodeKeepsTheAuthorizations) {
  const payment_record before = capturing(in_state(payment_status::authorized), std::nullopt);
  EXPECT_EQ(answer_change(before, channel_approved{"", "00"}).event.authorization_code, "123456");
}

TEST(PaymentCapture, ApprovedCaptureRecordsItsOwnRequestAndKeepsTheAuthorizationsCodes) {
  const payment_record before = capturing(in_state(payment_status::authorized), std::nullopt);
  const auto t = answer_change(before, channel_approved{"C1", "00"});
  EXPECT_EQ(t.payment.resource.amount_captured, 1000);
  EXPECT_EQ(t.payment.resource.authorization_code, "123456");
  EXPECT_EQ(t.payment.resource.rrn, payment_ids.rrn);
  EXPECT_EQ(t.payment.stan, payment_ids.stan);
  EXPECT_EQ(t.payment.resource.business_date, before.resource.business_date);
  EXPECT_EQ(t.payment.resource.updated_at, at(3));
  const payment_event want{"ev_2",
                           "pay_1",
                           std::nullopt,
                           event_type::capture,
                           event_result::approved,
                           protocol::money{1000, cny()},
                           "C1",
                           "00",
                           std::nullopt,
                           capture_ids.rrn,
                           capture_ids.stan,
                           event_time{t0} + milliseconds{3000},
                           date0};
  EXPECT_EQ(t.event, want);
}

TEST(PaymentCapture, RefusesAmountsOutsideTheAuthorization) {
  const payment_record p = in_state(payment_status::authorized);
  const auto over = begin_capture(p, {1001});
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error(), (refusal{refusal_code::amount_exceeds_authorized, operation::capture,
                                   payment_status::authorized, 1000}));
  for (const std::int64_t amount : {std::int64_t{0}, std::int64_t{-5}}) {
    const auto r = begin_capture(p, {amount});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, refusal_code::amount_not_positive);
  }
  EXPECT_EQ(ok(begin_capture(p, {1000})).change->amount, 1000);
}

TEST(PaymentCapture, StateIsCheckedBeforeTheChangeInFlightAndTheAmount) {
  const auto r = begin_capture(in_state(payment_status::declined), {0});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, refusal_code::invalid_state);
  const auto s =
      begin_refund(in_state(payment_status::voided), {5000, std::nullopt}, "re_1", at(3));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, refusal_code::invalid_state);
  const auto in_flight = begin_capture(capturing(in_state(payment_status::authorized), 600), {0});
  ASSERT_FALSE(in_flight.has_value());
  EXPECT_EQ(in_flight.error(), (refusal{refusal_code::change_pending, operation::capture,
                                        payment_status::authorized}));
}

TEST(PaymentCapture, DeclinedCaptureLeavesThePaymentAuthorizedAndCanBeRetried) {
  const payment_record authorized = in_state(payment_status::authorized);
  const auto declined = answer_change(capturing(authorized, 600),
                                      channel_declined{protocol::decline::do_not_honor, "05"});
  EXPECT_EQ(declined.payment.resource.status, payment_status::authorized);
  EXPECT_EQ(declined.payment.resource.amount_captured, 0);
  EXPECT_FALSE(declined.payment.change.has_value());
  // The resource's codes stay those of the authorization; the capture's are on its event.
  EXPECT_EQ(declined.payment.resource.response_code, "00");
  EXPECT_FALSE(declined.payment.resource.decline_code.has_value());
  EXPECT_EQ(declined.event.type, event_type::capture);
  EXPECT_EQ(declined.event.result, event_result::declined);
  EXPECT_EQ(declined.event.decline_code, protocol::decline::do_not_honor);
  EXPECT_EQ(declined.event.response_code, "05");
  EXPECT_FALSE(declined.event.authorization_code.has_value());
  EXPECT_EQ(declined.event.amount.amount, 600);
  EXPECT_EQ(declined.event.rrn, capture_ids.rrn);

  const request_ids retry_ids{"632612000004", "000004"};
  const auto retried =
      answer_change(capturing(declined.payment, 1000, retry_ids), channel_approved{"C2"});
  EXPECT_EQ(retried.payment.resource.status, payment_status::captured);
  EXPECT_EQ(retried.payment.resource.amount_captured, 1000);
  EXPECT_EQ(retried.event.type, event_type::capture);
  EXPECT_EQ(retried.event.result, event_result::approved);
  EXPECT_EQ(retried.event.rrn, retry_ids.rrn);
  EXPECT_EQ(retried.event.stan, retry_ids.stan);
}

TEST(PaymentCapture, FailedCaptureLeavesThePaymentAuthorized) {
  const auto t = answer_change(capturing(in_state(payment_status::authorized), 600),
                               channel_failed{protocol::decline::system_malfunction});
  EXPECT_EQ(t.payment.resource.status, payment_status::authorized);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  EXPECT_EQ(t.event.type, event_type::capture);
  EXPECT_EQ(t.event.result, event_result::failed);
  EXPECT_EQ(t.event.decline_code, protocol::decline::system_malfunction);
  EXPECT_FALSE(t.event.response_code.has_value());
  EXPECT_TRUE(begin_void(t.payment).has_value());
}

TEST(PaymentCapture, TimedOutCaptureIsReversedAndThePaymentStaysAuthorized) {
  const auto t =
      answer_change(capturing(in_state(payment_status::authorized), 600), channel_timed_out{});
  EXPECT_EQ(t.payment.resource.status, payment_status::authorized);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_FALSE(t.payment.change.has_value());
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  // The reversal reverses the capture's 0220, so it carries the capture's RRN and STAN.
  EXPECT_EQ(t.event.type, event_type::reversal);
  EXPECT_EQ(t.event.result, event_result::approved);
  EXPECT_EQ(t.event.decline_code, protocol::decline::issuer_unavailable);
  EXPECT_FALSE(t.event.response_code.has_value());
  EXPECT_EQ(t.event.amount, (protocol::money{600, cny()}));
  EXPECT_EQ(t.event.rrn, capture_ids.rrn);
  EXPECT_EQ(t.event.stan, capture_ids.stan);
  EXPECT_NE(t.event.rrn, t.payment.resource.rrn);
  // A late answer to the reversed capture is refused; the merchant may capture or void again.
  const auto late = apply_change_outcome(t.payment, channel_approved{"C1"}, stamp(3));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error(), (refusal{refusal_code::invalid_state, operation::complete_change,
                                   payment_status::authorized}));
  EXPECT_TRUE(begin_capture(t.payment, {}).has_value());
}

TEST(PaymentVoid, ApprovedVoidReleasesTheWholeAuthorization) {
  const auto t =
      answer_change(voiding(in_state(payment_status::authorized)), channel_approved{"V1", "00"});
  EXPECT_EQ(t.payment.resource.status, payment_status::voided);
  EXPECT_EQ(t.payment.resource.amount_captured, 0);
  EXPECT_FALSE(t.payment.change.has_value());
  EXPECT_EQ(t.event.type, event_type::void_);
  EXPECT_EQ(t.event.result, event_result::approved);
  EXPECT_EQ(t.event.amount, (protocol::money{1000, cny()}));
  EXPECT_EQ(t.event.response_code, "00");
  EXPECT_EQ(t.event.rrn, void_ids.rrn);
  EXPECT_EQ(t.event.stan, void_ids.stan);
}

TEST(PaymentVoid, TimedOutVoidEndsVoidedWithoutAResponseCode) {
  const auto t = answer_change(voiding(in_state(payment_status::authorized)), channel_timed_out{});
  EXPECT_EQ(t.payment.resource.status, payment_status::voided);
  EXPECT_FALSE(t.payment.change.has_value());
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  const payment_event want{"ev_2",
                           "pay_1",
                           std::nullopt,
                           event_type::void_,
                           event_result::approved,
                           protocol::money{1000, cny()},
                           std::nullopt,
                           std::nullopt,
                           std::nullopt,
                           void_ids.rrn,
                           void_ids.stan,
                           event_time{t0} + milliseconds{3000},
                           date0};
  EXPECT_EQ(t.event, want);
}

TEST(PaymentVoid, DeclinedVoidLeavesThePaymentAuthorized) {
  const auto t = answer_change(voiding(in_state(payment_status::authorized)),
                               channel_declined{protocol::decline::do_not_honor, "05"});
  EXPECT_EQ(t.payment.resource.status, payment_status::authorized);
  EXPECT_EQ(t.payment.resource.response_code, "00");
  EXPECT_FALSE(t.payment.resource.decline_code.has_value());
  EXPECT_EQ(t.event.type, event_type::void_);
  EXPECT_EQ(t.event.result, event_result::declined);
  EXPECT_EQ(t.event.decline_code, protocol::decline::do_not_honor);
  EXPECT_EQ(t.event.response_code, "05");
  EXPECT_EQ(t.event.amount.amount, 1000);
  // Still authorized: the merchant may void again, or capture instead.
  EXPECT_TRUE(begin_capture(t.payment, {}).has_value());
}

TEST(PaymentEvents, EveryEventCarriesTheIdsOfTheRequestItAnswers) {
  // The first request's events: sale, authorization, declined and failed attempts, its reversal.
  for (const channel_outcome& outcome : std::array<channel_outcome, 4>{
           channel_approved{"A1"}, channel_declined{}, channel_failed{}, channel_timed_out{}}) {
    for (const bool capture : {true, false}) {
      const auto t = ok(apply_outcome(routed(opened(capture)), outcome, stamp(1)));
      EXPECT_EQ(t.event.rrn, payment_ids.rrn);
      EXPECT_EQ(t.event.stan, payment_ids.stan);
    }
  }
  // A risk decline never reached a channel: there is no request to name.
  const auto risk = ok(apply_outcome(
      opened(true), channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt},
      stamp(1)));
  EXPECT_FALSE(risk.event.rrn.has_value());
  EXPECT_FALSE(risk.event.stan.has_value());
  // A refund's events, approved, declined and its reversal, carry the refund's request ids.
  const payment_record captured = in_state(payment_status::captured);
  const request_ids ids = refund_ids("re_7");
  for (const channel_outcome& outcome : std::array<channel_outcome, 3>{
           channel_approved{"R7"}, channel_declined{}, channel_timed_out{}}) {
    const auto started = begin(captured, 300, "re_7");
    const auto t = ok(apply_refund_outcome(started.payment, started.refund, outcome, stamp(4)));
    EXPECT_EQ(t.event.rrn, ids.rrn);
    EXPECT_EQ(t.event.stan, ids.stan);
  }
  // A capture, a void and a capture's reversal carry the change's own, not the payment's.
  const payment_record authorized = in_state(payment_status::authorized);
  for (const channel_outcome& outcome :
       std::array<channel_outcome, 2>{channel_approved{"C1"}, channel_timed_out{}}) {
    const auto capture = answer_change(capturing(authorized, 600), outcome);
    EXPECT_EQ(capture.event.rrn, capture_ids.rrn);
    EXPECT_EQ(capture.event.stan, capture_ids.stan);
    const auto void_ = answer_change(voiding(authorized), outcome);
    EXPECT_EQ(void_.event.rrn, void_ids.rrn);
    EXPECT_EQ(void_.event.stan, void_ids.stan);
  }
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
                                before.refund.rrn,
                                before.refund.stan,
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
  EXPECT_EQ(describe({refusal_code::change_pending, operation::void_, payment_status::authorized}),
            "a capture or void of this payment is already in progress");
  EXPECT_EQ(
      describe({refusal_code::invalid_state, operation::complete_change, payment_status::captured}),
      "no capture or void of this payment is in progress");
  EXPECT_EQ(describe({refusal_code::invalid_state, operation::void_, payment_status::voided}),
            "cannot void a payment whose status is voided");
  EXPECT_EQ(to_string(refusal_code::amount_exceeds_refundable), "amount_exceeds_refundable");
  EXPECT_EQ(to_string(refusal_code::change_pending), "change_pending");
  EXPECT_EQ(to_string(operation::complete_change), "complete_change");
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
  EXPECT_EQ(to_string(change_kind::capture), "capture");
  EXPECT_EQ(to_string(change_kind::void_), "void");
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

TEST(PaymentStateMachineDeathTest, ChangesOutsideTheAuthorizationStopTheProcess) {
  payment_record corrupt = capturing(in_state(payment_status::authorized), 600);
  corrupt.change->amount = 1001;  // more than was ever authorized
  EXPECT_DEATH((void)apply_change_outcome(corrupt, channel_approved{"C1"}, stamp(2)),
               "change.amount <= p.amount.amount");
  payment_record partial_void = voiding(in_state(payment_status::authorized));
  partial_void.change->amount = 600;  // a void releases the whole authorization
  EXPECT_DEATH((void)apply_change_outcome(partial_void, channel_approved{"V1"}, stamp(2)),
               "change.amount == p.amount.amount");
  payment_record captured = in_state(payment_status::captured);
  captured.change = pending_change{change_kind::void_, 1000, std::nullopt, std::nullopt};
  EXPECT_DEATH((void)apply_change_outcome(captured, channel_approved{"V1"}, stamp(2)),
               "p.status == payment_status::authorized");
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
