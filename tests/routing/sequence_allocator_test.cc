// Tests of STAN and RRN allocation: unique, zero-padded, durable by blocks in the store, unique
// across restarts (reserved numbers skipped, never reused), STANs per business date, no wrap.
#include "routing/link/sequence_allocator.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "clearing/book.h"
#include "clearing/store/errc.h"
#include "routing/link/errc.h"
#include "tests/clearing/store_test_support.h"

namespace sy::routing::link {
namespace {

using clearing::layout::sequence_record;
using std::chrono::year_month_day;

constexpr year_month_day day1{std::chrono::year{2026}, std::chrono::November, std::chrono::day{21}};
constexpr year_month_day day2{std::chrono::year{2026}, std::chrono::November, std::chrono::day{22}};

// Commits the allocator's reservation, if it wants one, and reports the outcome to it.
class SequenceAllocator : public clearing::store::test::store_fixture {
 protected:
  void top_up(sequence_allocator& a, year_month_day date) {
    while (auto unit = a.reservation(date)) {
      const auto outcome = clearing::store::test::commit_and_wait(*writer_, std::move(*unit));
      ASSERT_TRUE(a.reserved(outcome)) << outcome.error.message();
    }
  }
  // The next numbers, reserving as the switch would: on numbers_pending, commit and retry.
  trace_numbers take(sequence_allocator& a, year_month_day date) {
    auto n = a.next(date);
    if (!n && n.error() == errc::numbers_pending) {
      top_up(a, date);
      n = a.next(date);
    }
    EXPECT_TRUE(n.has_value()) << (n ? "" : n.error().message());
    if (auto unit = a.reservation(date)) {  // ahead of exhaustion, as the link loop does
      EXPECT_TRUE(a.reserved(clearing::store::test::commit_and_wait(*writer_, std::move(*unit))));
    }
    return n ? *n : trace_numbers{};
  }
  // A store whose channel already reserved up to `record` (an earlier process).
  std::optional<sequence_record> seeded(const sequence_record& record) {
    EXPECT_FALSE(commit(clearing::reserve_sequence("bank-a", record, std::nullopt)));
    return record;
  }
  std::optional<sequence_record> persisted(std::string_view channel = "bank-a") {
    return clearing::book(*env_).sequence(channel).value();
  }
};

TEST_F(SequenceAllocator, HandsOutNothingBeforeAReservationIsDurable) {
  sequence_allocator a("bank-a", std::nullopt, 10, 4);
  EXPECT_EQ(a.next(day1).error(), errc::numbers_pending);
  auto unit = a.reservation(day1);
  ASSERT_TRUE(unit.has_value());
  EXPECT_FALSE(a.reservation(day1).has_value());  // one in flight at a time
  EXPECT_EQ(a.next(day1).error(), errc::numbers_pending);
  ASSERT_TRUE(a.reserved(clearing::store::test::commit_and_wait(*writer_, std::move(*unit))));
  const auto n = a.next(day1);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->stan(), "000001");
  EXPECT_EQ(n->rrn(), "000000000001");
  EXPECT_EQ(persisted(), (sequence_record{day1, 10, 10}));
}

TEST_F(SequenceAllocator, ReservesTheNextBlockBeforeTheCurrentRunsOut) {
  sequence_allocator a("bank-a", std::nullopt, 10, 4);
  top_up(a, day1);
  for (int i = 1; i <= 6; ++i) {
    ASSERT_TRUE(a.next(day1));
    EXPECT_FALSE(a.reservation(day1).has_value()) << i;  // 10 - i >= 4 left
  }
  ASSERT_TRUE(a.next(day1));  // 3 left: below the low water
  auto unit = a.reservation(day1);
  ASSERT_TRUE(unit.has_value());
  ASSERT_TRUE(a.reserved(clearing::store::test::commit_and_wait(*writer_, std::move(*unit))));
  EXPECT_EQ(persisted(), (sequence_record{day1, 20, 20}));
  for (int i = 8; i <= 20; ++i) EXPECT_TRUE(a.next(day1)) << i;  // no stall in between
}

TEST_F(SequenceAllocator, NumbersStayUniqueAcrossRestartsSkippingUnused) {
  std::set<std::string> stans;
  std::set<std::string> rrns;
  std::string last_rrn;
  for (int run = 0; run < 4; ++run) {
    // Each run is a process: it resumes from what the store holds and dies mid-block.
    sequence_allocator a("bank-a", persisted(), 50, 20);
    for (int i = 0; i < 37 + run * 11; ++i) {
      const auto n = take(a, day1);
      EXPECT_TRUE(stans.insert(std::string(n.stan())).second) << n.stan();
      EXPECT_TRUE(rrns.insert(std::string(n.rrn())).second) << n.rrn();
      EXPECT_GT(std::string(n.rrn()), last_rrn);  // zero-padded: text order is number order
      last_rrn = n.rrn();
    }
  }
  EXPECT_EQ(stans.size(), rrns.size());
  EXPECT_EQ(*stans.begin(), "000001");
}

TEST_F(SequenceAllocator, StansRestartOnANewBusinessDateRrnsNever) {
  sequence_allocator a("bank-a", std::nullopt, 10, 4);
  EXPECT_EQ(take(a, day1).stan(), "000001");
  EXPECT_EQ(take(a, day1).stan(), "000002");
  const auto first_of_day2 = take(a, day2);
  EXPECT_EQ(first_of_day2.stan(), "000001");
  EXPECT_EQ(first_of_day2.rrn(), "000000000003");
  EXPECT_EQ(persisted()->stan_date, day2);
  // A restart on day 2 resumes above day 2's mark.
  sequence_allocator b("bank-a", persisted(), 10, 4);
  EXPECT_EQ(take(b, day2).stan(), "000011");
  EXPECT_EQ(b.next(day1).error(), errc::business_date_behind);
}

TEST_F(SequenceAllocator, StanNeverWrapsWithinADate) {
  sequence_allocator a("bank-a", seeded({day1, 999'990, 5000}), 100, 10);
  for (int i = 0; i < 8; ++i) EXPECT_GT(take(a, day1).stan(), "999990");
  EXPECT_EQ(take(a, day1).stan(), "999999");
  EXPECT_EQ(a.next(day1).error(), errc::stan_exhausted);
  EXPECT_EQ(persisted()->stan_mark, 999'999U);
  // The next date starts over.
  EXPECT_EQ(take(a, day2).stan(), "000001");
}

TEST_F(SequenceAllocator, RrnsEndAtTwelveDigits) {
  sequence_allocator a("bank-a", seeded({day1, 0, 999'999'999'998}), 100, 10);
  EXPECT_EQ(take(a, day1).rrn(), "999999999999");
  EXPECT_EQ(a.next(day1).error(), errc::rrn_exhausted);
}

// Two allocators on one channel (a deployment bug) cannot both reserve the same block.
TEST_F(SequenceAllocator, ARivalReservationIsAConflict) {
  sequence_allocator a("bank-a", std::nullopt, 10, 4);
  sequence_allocator b("bank-a", std::nullopt, 10, 4);
  top_up(a, day1);
  auto unit = b.reservation(day1);
  ASSERT_TRUE(unit.has_value());
  EXPECT_EQ(b.reserved(clearing::store::test::commit_and_wait(*writer_, std::move(*unit))).error(),
            errc::sequence_conflict);
  EXPECT_EQ(b.next(day1).error(), errc::numbers_pending);
}

TEST_F(SequenceAllocator, AFailedCommitIsRetried) {
  sequence_allocator a("bank-a", std::nullopt, 10, 4);
  auto unit = a.reservation(day1);
  ASSERT_TRUE(unit.has_value());
  const clearing::store::commit_outcome failed{clearing::store::errc::injected_failure, 0};
  EXPECT_EQ(a.reserved(failed).error(), clearing::store::errc::injected_failure);
  EXPECT_EQ(a.next(day1).error(), errc::numbers_pending);
  EXPECT_EQ(take(a, day1).stan(), "000001");
}

}  // namespace
}  // namespace sy::routing::link
