// Tests of the cross-table check: a book written by the steps passes; each kind of inconsistency,
// written on purpose past the steps, is found once, on the right table, with its reason.
#include "clearing/book_check.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "clearing/book.h"
#include "clearing/store/errc.h"
#include "clearing/store/fingerprint.h"
#include "store_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using layout::kind;
using layout::kind_byte;
using store::operation;
using store::table;

constexpr std::chrono::sys_seconds t0{std::chrono::seconds{1'795'303'125}};
constexpr std::chrono::year_month_day date0{std::chrono::year{2026}, std::chrono::November,
                                            std::chrono::day{22}};

class BookCheck : public store::test::store_fixture {
 protected:
  void SetUp() override {
    store_fixture::SetUp();
    write_a_day();
    ASSERT_EQ(report().problem_count, 0u) << store::to_string(report());
  }

  void commit(store::unit_of_work unit) { ASSERT_FALSE(store_fixture::commit(std::move(unit))); }

  void put(table t, std::string key, kind k, std::string payload) {
    store::unit_of_work u;
    u.ops.push_back(operation::put(t, std::move(key), kind_byte(k), std::move(payload)));
    commit(std::move(u));
  }

  void erase(table t, std::string key) {
    store::unit_of_work u;
    u.ops.push_back(operation::erase(t, std::move(key), store::require::present));
    commit(std::move(u));
  }

  merchant_request merchant(std::string key, std::string object_id) {
    return {"m1", std::move(key), store::fingerprint("POST", "/v1/payments", "{}"),
            t0,   t0 + 24h,       std::move(object_id)};
  }

  // A payment sold and partly refunded, one left in flight, a nonce and a batch.
  void write_a_day() {
    protocol::create_payment_request request;
    request.amount = protocol::money{1000, *protocol::find_currency("CNY")};
    request.merchant_reference = "order-1";
    request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", ""};
    for (const std::string id : {"pay_1", "pay_2"}) {
      auto p = *open_payment(id, "m1", request, t0);
      p.resource.channel = "bank-a";
      layout::channel_request q;
      q.channel = "bank-a";
      q.merchant_id = "m1";
      q.payment_id = id;
      q.mti = "0200";
      q.amount = request.amount;
      commit(sent({merchant(id, id), std::nullopt, p, std::nullopt, q}));
      if (id == "pay_2") break;  // left in flight
      auto t = *apply_outcome(p, channel_approved{"123456"}, {"ev_1", event_time{t0}, date0});
      final_step done{p, t.payment, std::nullopt, std::nullopt, t.event, q};
      done.merchant = merchant(id, id);
      done.response = stored_response{201, "{}"};
      commit(finished(done));
      sold_ = t.payment;
    }
    commit(remember_nonce("key-1", "nonce-000000000001", t0 + 600s));
    commit(seal_batch({date0, 1, t0, true, 0, 0, 0, 0}, {}));
  }

  store::check_report report() {
    auto r = store::check(*env_);
    EXPECT_TRUE(r.has_value());
    EXPECT_TRUE(check_book(*env_, *r).has_value());
    return *r;
  }

  // The one problem found, on table `t`, saying `what`.
  void expect_one(table t, std::string_view what) {
    const auto r = report();
    ASSERT_EQ(r.problem_count, 1u) << store::to_string(r);
    EXPECT_EQ(r.problems[0].where, t) << store::to_string(r);
    EXPECT_NE(r.problems[0].detail.find(what), std::string::npos) << store::to_string(r);
  }

  payment_record sold_;
};

TEST_F(BookCheck, AnEventMissingFromTheJournalIsFound) {
  erase(table::journal, layout::journal_key(date0, "ev_1"));
  expect_one(table::events, "missing from the journal");
}

TEST_F(BookCheck, AJournalEntryWithoutItsEventIsFound) {
  erase(table::events, layout::event_key("pay_1", "ev_1"));
  expect_one(table::journal, "without its event");
}

TEST_F(BookCheck, AnEventDifferingFromItsJournalEntryIsFound) {
  auto events = book(*env_).events("pay_1");
  ASSERT_TRUE(events.has_value() && events->size() == 1);
  payment_event changed = (*events)[0];
  changed.amount.amount = 1;
  put(table::events, layout::event_key("pay_1", "ev_1"), kind::event, layout::encode(changed));
  expect_one(table::events, "differs from its journal entry");
}

TEST_F(BookCheck, APaymentMissingFromAnIndexIsFound) {
  erase(table::payment_index, layout::merchant_payment_key("m1", "pay_1"));
  expect_one(table::payments, "missing from its merchant's index");
}

TEST_F(BookCheck, AnIndexEntryOfNoPaymentIsFound) {
  put(table::payment_index, layout::merchant_payment_key("m1", "pay_9"), kind::merchant_payment,
      {});
  expect_one(table::payment_index, "indexes no payment");
}

TEST_F(BookCheck, AnIndexEntryOfAnotherMerchantsPaymentIsFound) {
  put(table::payment_index, layout::merchant_payment_key("m2", "pay_1"), kind::merchant_payment,
      {});
  expect_one(table::payment_index, "another merchant's payment");
}

TEST_F(BookCheck, AnIdempotencyRecordMissingFromTheExpiryIndexIsFound) {
  erase(table::idempotency, layout::expiry_key(t0 + 24h, layout::idempotency_key("m1", "pay_1")));
  expect_one(table::idempotency, "missing from the expiry index");
}

TEST_F(BookCheck, AnExpiryEntryOfNoRecordIsFound) {
  erase(table::nonces, layout::nonce_key("key-1", "nonce-000000000001"));
  expect_one(table::nonces, "expiry of no record");
}

TEST_F(BookCheck, AChannelRequestOfNoPaymentIsFound) {
  layout::channel_request q;
  q.payment_id = "pay_9";
  q.amount = sold_.resource.amount;
  put(table::saf, layout::channel_request_key("pay_9", layout::request_kind::payment),
      kind::channel_request, layout::encode(q));
  expect_one(table::saf, "not in the book");
}

TEST_F(BookCheck, ARecordUnderAnotherKeyIsFound) {
  put(table::payments, layout::object_key("pay_7"), kind::payment, layout::encode(sold_));
  const auto r = report();
  // The copy is misfiled, and nothing indexes pay_7.
  ASSERT_GE(r.problem_count, 1u);
  EXPECT_EQ(r.problems[0].where, table::payments);
  EXPECT_NE(r.problems[0].detail.find("filed under another id"), std::string::npos);
}

TEST_F(BookCheck, BrokenAmountsAreFound) {
  payment_record broken = sold_;
  broken.resource.amount_refunded = 2000;
  put(table::payments, layout::object_key("pay_1"), kind::payment, layout::encode(broken));
  expect_one(table::payments, "amounts break");
}

TEST_F(BookCheck, AnUnknownKindOrUndecodableRecordIsFound) {
  put(table::batches, layout::batch_key(date0), kind::batch, "garbage");
  expect_one(table::batches, "does not decode");
  erase(table::batches, layout::batch_key(date0));
  put(table::journal, layout::journal_key(date0, "ev_9"), kind::reference, {});
  expect_one(table::journal, "unknown kind");
}

}  // namespace
}  // namespace sy::clearing
