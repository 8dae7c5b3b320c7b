// Tests of store-and-forward reversals over a real store: 0400 first then 0420 repeats, backoff
// with jitter, each attempt durable before it is sent, acknowledged reversals erased and never
// offered again, and reversals surviving a restart.
#include "routing/link/saf.h"

#include <gtest/gtest.h>

#include <memory>

#include "clearing/book.h"
#include "clearing/store/errc.h"
#include "independent_iso87_decoder.h"
#include "link_test_support.h"
#include "protocol/currency.h"
#include "tests/clearing/store_test_support.h"

namespace sy::routing::link {
namespace {

using namespace std::chrono_literals;
using clearing::event_time;
using clearing::layout::channel_request;
using clearing::layout::request_kind;
using clearing::layout::request_state;
using clearing::store::operation;
using clearing::store::table;

const event_time t0{std::chrono::milliseconds{1'795'303'125'000}};

channel_request due_request(std::string payment_id, request_kind kind = request_kind::payment) {
  channel_request q;
  q.kind = kind;
  q.state = request_state::reversal_due;
  q.channel = "bank-a";
  q.merchant_id = "m1";
  q.payment_id = std::move(payment_id);
  q.mti = "0200";
  q.stan = "000120";
  q.rrn = "000000001111";
  q.amount = {1000, *protocol::find_currency("EUR")};
  q.sent_at = t0 - 20s;
  q.pan_ciphertext = "opaque";
  q.next_attempt_at = t0;
  return q;
}

TEST(SafSchedule, BacksOffExponentiallyWithBoundedJitter) {
  const reversal_policy p{5s, 60s};
  EXPECT_EQ(retry_delay(1, p, 0), 5s);
  EXPECT_EQ(retry_delay(2, p, 0), 10s);
  EXPECT_EQ(retry_delay(3, p, 0), 20s);
  EXPECT_EQ(retry_delay(5, p, 0), 60s);
  EXPECT_EQ(retry_delay(200, p, 0), 60s);
  // Jitter is at most half the delay.
  EXPECT_EQ(retry_delay(1, p, 2500), 7500ms);
  EXPECT_EQ(retry_delay(1, p, 2501), 5000ms);
  EXPECT_EQ(retry_delay(5, p, ~std::uint64_t{0}) <= 90s, true);
}

TEST(SafSchedule, AReversalNamesItsOriginalInDe90) {
  auto q = due_request("pay_1", request_kind::refund);
  const auto r = reversal_of(q, {"4111111111111111", 12, 2028});
  EXPECT_FALSE(r.repeat);
  EXPECT_EQ(r.original.mti, "0200");
  EXPECT_EQ(r.original.processing_code, "200000");
  EXPECT_EQ(r.original.stan, "000120");
  EXPECT_EQ(r.original.rrn, "000000001111");
  q.attempts = 1;
  EXPECT_TRUE(reversal_of(q, {}).repeat);
  // A void was itself the 0400: what store-and-forward sends for it is a repeat.
  EXPECT_TRUE(reversal_of(due_request("pay_2", request_kind::void_), {}).repeat);

  std::array<char, 512> out{};
  const auto n = build_reversal(r, test::test_trace(), test::test_context(), out);
  ASSERT_TRUE(n.has_value());
  std::string error;
  const auto m = routing::test::decode_iso87(std::string_view(out.data(), *n), error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(m.mti, "0400");
  EXPECT_EQ(m.fields.at(3), "200000");
  EXPECT_EQ(m.fields.at(90).substr(0, 10), "0200000120");
}

class Saf : public clearing::store::test::store_fixture {
 protected:
  void store_due(const channel_request& q) {
    ASSERT_FALSE(commit(
        {{operation::put(table::saf, clearing::layout::channel_request_key(q),
                         clearing::layout::kind_byte(clearing::layout::kind::channel_request),
                         clearing::layout::encode(q))}}));
  }
  saf_queue loaded() {
    saf_queue queue(reversal_policy{5s, 60s}, [] { return std::uint64_t{0}; });
    for (auto& r : clearing::book(*env_).reversals_due().value()) queue.add(std::move(r));
    return queue;
  }
  // Takes the next attempt and commits it, as the loop does before sending.
  std::optional<saf_queue::attempt> attempt(saf_queue& queue, event_time now) {
    auto a = queue.next_attempt(now);
    if (a)
      queue.attempt_committed(a->key, clearing::store::test::commit_and_wait(*writer_, a->unit));
    return a;
  }
};

TEST_F(Saf, SendsA0400ThenRepeats0420WithBackoffUntilAcknowledged) {
  store_due(due_request("pay_1"));
  auto queue = loaded();
  EXPECT_FALSE(queue.next_attempt(t0 - 1ms).has_value());  // not due yet

  auto first = attempt(queue, t0);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->repeat);
  EXPECT_FALSE(queue.next_attempt(t0 + 4999ms).has_value());
  auto second = attempt(queue, t0 + 5s);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->repeat);
  EXPECT_FALSE(queue.next_attempt(t0 + 14999ms).has_value());  // 5 s + 10 s
  EXPECT_TRUE(attempt(queue, t0 + 15s)->repeat);
  EXPECT_EQ(queue.counters().attempts, 3U);
  EXPECT_EQ(clearing::book(*env_).reversals_due().value().front().request.attempts, 3U);

  auto erase = queue.acknowledge(first->key);
  ASSERT_TRUE(erase.has_value());
  // Acknowledged: never offered again, even before the erasure commits, nor acknowledged twice.
  EXPECT_FALSE(queue.next_attempt(t0 + 1h).has_value());
  EXPECT_FALSE(queue.acknowledge(first->key).has_value());
  queue.acknowledgement_committed(first->key,
                                  clearing::store::test::commit_and_wait(*writer_, *erase));
  EXPECT_EQ(queue.size(), 0U);
  EXPECT_TRUE(clearing::book(*env_).reversals_due().value().empty());
  EXPECT_EQ(queue.counters().acknowledged, 1U);
  EXPECT_EQ(queue.counters().acknowledgements_ignored, 1U);
}

// An attempt is durable before it is sent: after a restart the next one is a repeat (0420),
// so a 0400 never goes out twice.
TEST_F(Saf, ARestartRepeatsAs0420) {
  store_due(due_request("pay_1"));
  {
    auto queue = loaded();
    ASSERT_FALSE(attempt(queue, t0)->repeat);
  }
  auto queue = loaded();
  EXPECT_FALSE(queue.next_attempt(t0 + 4s).has_value());
  auto again = attempt(queue, t0 + 5s);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->repeat);
}

TEST_F(Saf, AFailedAttemptCommitLeavesItDueAsStored) {
  store_due(due_request("pay_1"));
  auto queue = loaded();
  auto a = queue.next_attempt(t0);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(queue.next_attempt(t0).has_value());  // held back while its commit runs
  queue.attempt_committed(a->key, {clearing::store::errc::injected_failure, 0});
  auto retry = queue.next_attempt(t0);
  ASSERT_TRUE(retry.has_value());
  EXPECT_FALSE(retry->repeat);  // nothing was sent: still the 0400
}

TEST_F(Saf, AFailedErasureIsRetriedAndTheSoonestIsFirst) {
  auto late = due_request("pay_1");
  late.next_attempt_at = t0 + 1s;
  store_due(late);
  store_due(due_request("pay_2"));
  auto queue = loaded();
  auto soonest = attempt(queue, t0 + 2s);
  ASSERT_TRUE(soonest.has_value());
  EXPECT_EQ(soonest->request.payment_id, "pay_2");

  auto erase = queue.acknowledge(soonest->key);
  ASSERT_TRUE(erase.has_value());
  queue.acknowledgement_committed(soonest->key, {clearing::store::errc::injected_failure, 0});
  EXPECT_EQ(queue.size(), 2U);
  auto retry = queue.acknowledge_retry();
  ASSERT_EQ(retry.size(), 1U);
  EXPECT_TRUE(queue.acknowledge_retry().empty());
  queue.acknowledgement_committed(
      retry[0].first, clearing::store::test::commit_and_wait(*writer_, retry[0].second));
  EXPECT_EQ(queue.size(), 1U);
  EXPECT_EQ(clearing::book(*env_).reversals_due().value().size(), 1U);
}

}  // namespace
}  // namespace sy::routing::link
