// Tests of the book of record over a real store: each step's unit of work and what it leaves,
// compare-and-set between racing steps, idempotency keys, recovery of requests sent without a
// final state, merchant listings, purge of expired records, and injected commit failures.
#include "clearing/book.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "clearing/store/errc.h"
#include "clearing/store/fingerprint.h"
#include "store_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using protocol::payment_status;
using store::errc;
using store::test::options_for;

constexpr std::chrono::sys_seconds t0{std::chrono::seconds{1'795'303'125}};
constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};

protocol::create_payment_request create_request(std::int64_t amount, bool capture,
                                                std::string reference = "order-1") {
  protocol::create_payment_request request;
  request.amount = protocol::money{amount, *protocol::find_currency("CNY")};
  request.merchant_reference = std::move(reference);
  request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", "A B"};
  request.capture = capture;
  return request;
}

merchant_request merchant(std::string key, std::string object_id,
                          std::chrono::sys_seconds at = t0) {
  const auto fingerprint = store::fingerprint("POST", "/v1/payments", key);
  return merchant_request{"m1", std::move(key), fingerprint, at, at + 24h, std::move(object_id)};
}

event_stamp stamp(std::string id) {
  return event_stamp{std::move(id), event_time{t0} + 2s, date0};
}

layout::channel_request request_for(const payment_record& p, layout::request_kind kind,
                                    std::optional<std::string> refund_id = std::nullopt) {
  layout::channel_request q;
  q.kind = kind;
  q.channel = "bank-a";
  q.merchant_id = p.merchant_id;
  q.payment_id = p.resource.id;
  q.refund_id = std::move(refund_id);
  q.mti = "0200";
  q.stan = "000001";
  q.rrn = "632612000001";
  q.amount = p.resource.amount;
  q.sent_at = event_time{t0};
  return q;
}

class Book : public store::test::store_fixture {
 protected:
  void SetUp() override {
    store_fixture::SetUp();
    book_ = std::make_unique<book>(*env_);
  }

  payment_record opened(std::string id, bool capture = true, std::string reference = "order-1") {
    auto p =
        open_payment(std::move(id), "m1", create_request(1000, capture, std::move(reference)), t0);
    EXPECT_TRUE(p.has_value());
    p->resource.channel = "bank-a";
    p->resource.rrn = "632612000001";
    p->stan = "000001";
    return *p;
  }

  // Creates and sends payment `id`; returns the "sent" state as stored.
  payment_record send_new(const std::string& id, bool capture = true,
                          std::string reference = "order-1") {
    const auto p = opened(id, capture, std::move(reference));
    EXPECT_FALSE(commit(sent({merchant("key-" + id, id), std::nullopt, p, std::nullopt,
                              request_for(p, layout::request_kind::payment)})));
    return p;
  }

  // The bank approves payment `id`; the merchant request's answer is stored.
  payment_record approve(const payment_record& before, const std::string& event_id) {
    auto t = apply_outcome(before, channel_approved{"123456"}, stamp(event_id));
    EXPECT_TRUE(t.has_value());
    final_step step{before,       t->payment, std::nullopt,
                    std::nullopt, t->event,   request_for(before, layout::request_kind::payment)};
    step.merchant = merchant("key-" + before.resource.id, before.resource.id);
    step.response = stored_response{201, protocol::to_json(t->payment.resource)};
    EXPECT_FALSE(commit(finished(step)));
    return t->payment;
  }

  std::unique_ptr<book> book_;
};

TEST_F(Book, SentThenFinishedLeavesTheWholeRecord) {
  const auto sent_state = send_new("pay_1");
  auto idem = book_->idempotency("m1", "key-pay_1");
  ASSERT_TRUE(idem.has_value() && idem->has_value());
  EXPECT_EQ((*idem)->state, layout::idempotency_state::in_progress);
  EXPECT_EQ(*book_->payment("pay_1"), sent_state);
  ASSERT_EQ(book_->unanswered()->size(), 1u);

  const auto done = approve(sent_state, "ev_1");
  EXPECT_EQ(book_->payment("pay_1")->resource.status, payment_status::captured);
  const auto events = book_->events("pay_1");
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, event_type::sale);
  EXPECT_EQ((*events)[0].rrn, "632612000001");
  const auto journal = book_->journal(date0, "", 10);
  ASSERT_TRUE(journal.has_value());
  ASSERT_EQ(journal->size(), 1u);
  EXPECT_EQ((*journal)[0].event, (*events)[0]);
  EXPECT_EQ((*journal)[0].channel, "bank-a");
  EXPECT_EQ((*journal)[0].merchant_id, "m1");
  idem = book_->idempotency("m1", "key-pay_1");
  EXPECT_EQ((*idem)->state, layout::idempotency_state::complete);
  EXPECT_EQ((*idem)->status, 201);
  EXPECT_EQ((*idem)->body, protocol::to_json(done.resource));
  EXPECT_TRUE(book_->unanswered()->empty());
}

TEST_F(Book, AnIdempotencyKeyRunsOnce) {
  send_new("pay_1");
  const auto again = opened("pay_2");
  auto m = merchant("key-pay_1", "pay_2");
  EXPECT_EQ(commit(sent({m, std::nullopt, again, std::nullopt,
                         request_for(again, layout::request_kind::payment)})),
            errc::key_exists);
  EXPECT_EQ(book_->payment("pay_2").error(), errc::not_found);  // nothing of the refused unit
}

// Two captures read the same authorized payment; only the first may send its 0220.
TEST_F(Book, RacingChangesOfOnePaymentCommitOnce) {
  const auto authorized = approve(send_new("pay_1", false), "ev_1");
  const auto first = begin_capture(authorized, protocol::capture_request{600});
  const auto second = begin_void(authorized);
  ASSERT_TRUE(first.has_value() && second.has_value());
  auto capture_request = request_for(*first, layout::request_kind::capture);
  auto void_request = request_for(*second, layout::request_kind::void_);
  EXPECT_FALSE(
      commit(sent({merchant("cap", "pay_1"), authorized, *first, std::nullopt, capture_request})));
  EXPECT_EQ(
      commit(sent({merchant("void", "pay_1"), authorized, *second, std::nullopt, void_request})),
      errc::record_changed);
  EXPECT_EQ(book_->payment("pay_1")->change->kind, change_kind::capture);
  EXPECT_FALSE(book_->idempotency("m1", "void")->has_value());

  // The late answer and the timeout race the same way: whichever commits first wins.
  auto approved = apply_change_outcome(*first, channel_approved{"", "00"}, stamp("ev_2"));
  auto timed_out = apply_change_outcome(*first, channel_timed_out{}, stamp("ev_3"));
  final_step on_time{*first,       approved->payment, std::nullopt,
                     std::nullopt, approved->event,   capture_request};
  final_step too_late{*first,       timed_out->payment, std::nullopt,
                      std::nullopt, timed_out->event,   capture_request};
  too_late.end = request_end::reversal_due;
  EXPECT_FALSE(commit(finished(on_time)));
  EXPECT_EQ(commit(finished(too_late)), errc::record_changed);
  EXPECT_EQ(book_->payment("pay_1")->resource.status, payment_status::captured);
  EXPECT_TRUE(book_->reversals_due()->empty());
}

// Recovery on open: a request sent with no final state is found after a restart; a wallet
// refund awaiting its provider's callback is not, and a timed-out request is a reversal due.
TEST_F(Book, RecoveryFindsRequestsSentWithoutAFinalState) {
  send_new("pay_1");
  const auto captured = approve(send_new("pay_2"), "ev_2");
  // A refund the wallet accepted for later completion.
  auto started = begin_refund(captured, {300, std::nullopt}, "re_1", t0);
  ASSERT_TRUE(started.has_value());
  const auto refund_request = request_for(captured, layout::request_kind::refund, "re_1");
  ASSERT_FALSE(commit(sent(
      {merchant("refund", "re_1"), captured, started->payment, started->refund, refund_request})));
  final_step accepted{started->payment, started->payment, started->refund,
                      started->refund,  std::nullopt,     refund_request};
  accepted.end = request_end::awaiting_completion;
  accepted.merchant = merchant("refund", "re_1");
  accepted.response = stored_response{201, protocol::to_json(started->refund.resource)};
  ASSERT_FALSE(commit(finished(accepted)));
  // A payment that timed out: reversal due.
  const auto p3 = send_new("pay_3");
  auto timed_out = apply_outcome(p3, channel_timed_out{}, stamp("ev_3"));
  final_step reversed{
      p3,           timed_out->payment, std::nullopt,
      std::nullopt, timed_out->event,   request_for(p3, layout::request_kind::payment)};
  reversed.end = request_end::reversal_due;
  reversed.next_attempt_at = event_time{t0} + 30s;
  reversed.merchant = merchant("key-pay_3", "pay_3");
  reversed.response = stored_response{201, protocol::to_json(timed_out->payment.resource)};
  ASSERT_FALSE(commit(finished(reversed)));

  writer_.reset();
  env_.reset();
  auto env = store::environment::open(options_for(dir_));
  ASSERT_TRUE(env.has_value());
  const book reopened(**env);
  const auto unanswered = reopened.unanswered();
  ASSERT_TRUE(unanswered.has_value());
  ASSERT_EQ(unanswered->size(), 1u);
  EXPECT_EQ((*unanswered)[0].request.payment_id, "pay_1");
  EXPECT_EQ((*unanswered)[0].request.idempotency_key, std::nullopt);
  const auto due = reopened.reversals_due();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].request.payment_id, "pay_3");
  EXPECT_EQ((*due)[0].request.next_attempt_at, event_time{t0} + 30s);
  EXPECT_EQ(reopened.payment("pay_3")->resource.status, payment_status::failed);
  EXPECT_EQ(reopened.refund("re_1")->resource.status, protocol::refund_status::pending);
  const auto awaiting = reopened.awaiting_completion();
  ASSERT_TRUE(awaiting.has_value());
  ASSERT_EQ(awaiting->size(), 1u);
  EXPECT_EQ((*awaiting)[0].request.refund_id, "re_1");
}

TEST_F(Book, MerchantListsAreNewestFirstAndPage) {
  for (int i = 1; i <= 5; ++i) {
    send_new("pay_" + std::to_string(i), true, i % 2 == 0 ? "even" : "odd");
  }
  protocol::list_query q;
  q.limit = 2;
  auto page = book_->payments_of("m1", q);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->data.size(), 2u);
  EXPECT_EQ(page->data[0].resource.id, "pay_5");
  EXPECT_EQ(page->data[1].resource.id, "pay_4");
  EXPECT_TRUE(page->has_more);
  q.starting_after = "pay_2";
  page = book_->payments_of("m1", q);
  ASSERT_EQ(page->data.size(), 1u);
  EXPECT_EQ(page->data[0].resource.id, "pay_1");
  EXPECT_FALSE(page->has_more);
  q = {};
  q.merchant_reference = "even";
  page = book_->payments_of("m1", q);
  ASSERT_EQ(page->data.size(), 2u);
  EXPECT_EQ(page->data[0].resource.id, "pay_4");
  EXPECT_EQ(page->data[1].resource.id, "pay_2");
  EXPECT_TRUE(book_->payments_of("m2", {})->data.empty());  // another merchant sees none
}

TEST_F(Book, PurgeErasesOnlyExpiredRecordsInBoundedBatches) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(commit(answered(merchant("old-" + std::to_string(i), "pay_x", t0 - 48h),
                                 stored_response{409, "{}"})));
  }
  ASSERT_FALSE(commit(answered(merchant("fresh", "pay_x"), stored_response{409, "{}"})));
  ASSERT_FALSE(commit(remember_nonce("key-1", "nonce-old", t0 - 1s)));
  ASSERT_FALSE(commit(remember_nonce("key-1", "nonce-new", t0 + 600s)));
  EXPECT_EQ(commit(remember_nonce("key-1", "nonce-new", t0 + 700s)), errc::key_exists);

  auto units = book_->expired(t0, 4);
  ASSERT_TRUE(units.has_value());
  EXPECT_EQ(units->size(), 4u);  // bounded
  for (auto& u : *units) EXPECT_FALSE(commit(std::move(u)));
  units = book_->expired(t0, 4);
  ASSERT_EQ(units->size(), 2u);  // the last old key and the old nonce
  for (auto& u : *units) EXPECT_FALSE(commit(std::move(u)));
  EXPECT_TRUE(book_->expired(t0, 4)->empty());
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(book_->idempotency("m1", "old-" + std::to_string(i))->has_value());
  }
  EXPECT_TRUE(book_->idempotency("m1", "fresh")->has_value());
  EXPECT_EQ(env_->read(store::table::nonces, layout::nonce_key("key-1", "nonce-old")).error(),
            errc::not_found);
  EXPECT_TRUE(env_->read(store::table::nonces, layout::nonce_key("key-1", "nonce-new")));
}

// Two purges that read the same expired record: the second's unit is refused, nothing else is
// touched, and the key can be used again afterwards.
TEST_F(Book, OverlappingPurgesAreHarmless) {
  ASSERT_FALSE(commit(answered(merchant("k", "pay_x", t0 - 48h), stored_response{409, "{}"})));
  auto first = book_->expired(t0, 10);
  auto second = book_->expired(t0, 10);
  ASSERT_EQ(first->size(), 1u);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_FALSE(commit(std::move((*first)[0])));
  EXPECT_EQ(commit(std::move((*second)[0])), errc::key_missing);
  ASSERT_FALSE(commit(answered(merchant("k", "pay_y"), stored_response{201, "{}"})));
  EXPECT_EQ((*book_->idempotency("m1", "k"))->object_id, "pay_y");
  EXPECT_TRUE(book_->expired(t0, 10)->empty());
}

TEST_F(Book, ADecisionWithoutAChannelCommitsOnce) {
  auto p = open_payment("pay_1", "m1", create_request(1000, true), t0);
  auto declined = apply_outcome(
      *p, channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt}, stamp("ev_1"));
  ASSERT_TRUE(declined.has_value());
  const stored_response response{201, protocol::to_json(declined->payment.resource)};
  ASSERT_FALSE(commit(decided(merchant("k", "pay_1"), *declined, response)));
  EXPECT_EQ(book_->payment("pay_1")->resource.status, payment_status::declined);
  EXPECT_EQ(book_->journal(date0, "", 10)->size(), 1u);
  EXPECT_EQ((*book_->idempotency("m1", "k"))->body, response.body);
  EXPECT_EQ(commit(decided(merchant("k", "pay_1"), *declined, response)), errc::key_exists);
}

// Every commit of a payment's life fails once in turn: the failed step leaves nothing, and
// repeating it afterwards succeeds as if it had never been tried.
TEST_F(Book, AFailedCommitLeavesNothingOfItsStep) {
  for (int fail_at = 1; fail_at <= 2; ++fail_at) {
    SCOPED_TRACE(fail_at);
    const std::string id = "pay_" + std::to_string(fail_at);
    const auto p = opened(id);
    const auto send = sent({merchant("key-" + id, id), std::nullopt, p, std::nullopt,
                            request_for(p, layout::request_kind::payment)});
    auto t = apply_outcome(p, channel_approved{"123456"}, stamp("ev_" + id));
    final_step step{p,
                    t->payment,
                    std::nullopt,
                    std::nullopt,
                    t->event,
                    request_for(p, layout::request_kind::payment)};
    step.merchant = merchant("key-" + id, id);
    step.response = stored_response{201, "{}"};
    const auto finish = finished(step);

    faults_.fail_commit(fail_at);
    const std::vector<store::unit_of_work> steps{send, finish};
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (static_cast<int>(i) + 1 == fail_at) {
        EXPECT_EQ(commit(steps[i]), errc::injected_failure);
        if (i == 0) {
          EXPECT_EQ(book_->payment(id).error(), errc::not_found);
        } else {
          EXPECT_EQ(book_->payment(id)->resource.status, payment_status::pending);
        }
        EXPECT_TRUE(book_->events(id)->empty());
      }
      EXPECT_FALSE(commit(steps[i]));
    }
    EXPECT_EQ(book_->payment(id)->resource.status, payment_status::captured);
    EXPECT_EQ(book_->events(id)->size(), 1u);
  }
}

// The sequence marks are compare-and-set: a reservation made from a stale read cannot commit, so
// two allocators can never hand out the same block.
TEST_F(Book, SequenceReservationsAreCompareAndSet) {
  EXPECT_EQ(book_->sequence("bank-a").value(), std::nullopt);
  const layout::sequence_record first{date0, 1000, 1000};
  EXPECT_FALSE(commit(reserve_sequence("bank-a", first, std::nullopt)));
  EXPECT_EQ(commit(reserve_sequence("bank-a", first, std::nullopt)), errc::key_exists);
  EXPECT_EQ(book_->sequence("bank-a").value(), first);

  const layout::sequence_record second{date0, 2000, 2000};
  EXPECT_FALSE(commit(reserve_sequence("bank-a", second, first)));
  EXPECT_EQ(commit(reserve_sequence("bank-a", {date0, 3000, 3000}, first)), errc::record_changed);
  EXPECT_EQ(book_->sequence("bank-a").value(), second);
  // Channels keep their own marks.
  EXPECT_EQ(book_->sequence("bank-b").value(), std::nullopt);
}

TEST_F(Book, ARecordOfTheWrongKindIsCorrupt) {
  send_new("pay_1");
  // A payment id under which the book finds a refund's kind.
  EXPECT_EQ(book_->refund("pay_1").error(), errc::corrupt_record);
}

}  // namespace
}  // namespace sy::clearing
