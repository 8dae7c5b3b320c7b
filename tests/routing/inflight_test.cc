// Tests of the in-flight table: out-of-order matching by MTI class, STAN, terminal and RRN, the
// bound (back-pressure), deadlines, and late or duplicate responses reported, never applied.
#include "routing/link/inflight.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "routing/link/errc.h"
#include "routing/link/messages.h"

namespace sy::routing::link {
namespace {

using namespace std::chrono_literals;

const link_clock::time_point t0{};

std::string stan_of(int n) {
  std::string s = std::to_string(n);
  return std::string(6 - s.size(), '0') + s;
}

inflight_key sale_key(int n) {
  return inflight_key::make("0200", stan_of(n), "TERM0001", "00000000" + stan_of(n).substr(2));
}

response_key answer_to(const inflight_key& k, bool with_rrn = true) {
  return {k, with_rrn};
}

TEST(Inflight, MatchesResponsesInAnyOrder) {
  inflight_table table(64);
  for (int i = 1; i <= 64; ++i) ASSERT_TRUE(table.add(sale_key(i), 1000 + i, t0 + 10s));
  std::vector<int> order(64);
  for (int i = 0; i < 64; ++i) order[i] = i + 1;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (const int i : order) {
    const auto m = table.take(answer_to(sale_key(i)));
    EXPECT_EQ(m.kind, match_kind::matched) << i;
    EXPECT_EQ(m.token, 1000U + i);
  }
  EXPECT_EQ(table.size(), 0U);
  EXPECT_EQ(table.counters().matched, 64U);
}

TEST(Inflight, AResponseMatchesOnlyItsOwnMtiClassTerminalAndRrn) {
  inflight_table table(8);
  const auto sale = sale_key(1);
  ASSERT_TRUE(table.add(sale, 1, t0 + 10s));
  auto other_class = sale;
  other_class.mti = {'0', '1', '0', '0'};
  EXPECT_EQ(table.take(answer_to(other_class)).kind, match_kind::unknown);
  EXPECT_EQ(
      table.take(answer_to(inflight_key::make("0200", "000001", "TERM0002", "000000000001"))).kind,
      match_kind::unknown);
  EXPECT_EQ(
      table.take(answer_to(inflight_key::make("0200", "000001", "TERM0001", "000000009999"))).kind,
      match_kind::unknown);
  // Without DE 37 the other elements decide.
  EXPECT_EQ(table.take(answer_to(sale, false)).kind, match_kind::matched);
  EXPECT_EQ(table.counters().unknown, 3U);
}

// Two requests of one STAN (a new business date restarted the STANs) are told apart by RRN.
TEST(Inflight, SameStanOnANewDateIsToldApartByRrn) {
  inflight_table table(8);
  const auto old_day = inflight_key::make("0200", "000003", "TERM0001", "000000000003");
  const auto new_day = inflight_key::make("0200", "000003", "TERM0001", "000000000957");
  ASSERT_TRUE(table.add(old_day, 1, t0 + 10s));
  ASSERT_TRUE(table.add(new_day, 2, t0 + 10s));
  EXPECT_EQ(table.take(answer_to(new_day)).token, 2U);
  EXPECT_EQ(table.take(answer_to(old_day)).token, 1U);
}

TEST(Inflight, IsBoundedAndRefusesWhenFull) {
  inflight_table table(4);
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(table.add(sale_key(i), i, t0 + 10s));
  EXPECT_EQ(table.add(sale_key(5), 5, t0 + 10s).error(), errc::inflight_full);
  EXPECT_EQ(table.counters().refused_full, 1U);
  ASSERT_EQ(table.take(answer_to(sale_key(2))).kind, match_kind::matched);
  EXPECT_TRUE(table.add(sale_key(5), 5, t0 + 10s));
}

TEST(Inflight, RefusesADuplicateKey) {
  inflight_table table(4);
  ASSERT_TRUE(table.add(sale_key(1), 1, t0 + 10s));
  EXPECT_EQ(table.add(sale_key(1), 2, t0 + 10s).error(), errc::inflight_duplicate);
  EXPECT_EQ(table.size(), 1U);
}

TEST(Inflight, ExpiresRequestsPastTheirDeadlineInBoundedSweeps) {
  inflight_table table(16);
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(table.add(sale_key(i), i, t0 + std::chrono::seconds(i)));
  }
  std::array<expired_request, 3> out{};
  EXPECT_EQ(table.expire(t0 + 500ms, out), 0U);
  std::set<std::uint64_t> expired;
  for (std::size_t n; (n = table.expire(t0 + 6s, out)) > 0;) {
    for (std::size_t i = 0; i < n; ++i) expired.insert(out[i].token);
  }
  EXPECT_EQ(expired, (std::set<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(table.size(), 4U);
  EXPECT_EQ(table.counters().timed_out, 6U);
  for (int i = 7; i <= 10; ++i) EXPECT_EQ(table.take(answer_to(sale_key(i))).token, i);
}

TEST(Inflight, LateAndDuplicateResponsesAreReportedNeverApplied) {
  inflight_table table(8);
  ASSERT_TRUE(table.add(sale_key(1), 1, t0 + 1s));
  ASSERT_TRUE(table.add(sale_key(2), 2, t0 + 30s));
  ASSERT_TRUE(table.add(sale_key(3), 3, t0 + 30s));
  std::array<expired_request, 4> out{};
  ASSERT_EQ(table.expire(t0 + 2s, out), 1U);
  // The answer to the timed-out request comes after its reversal began.
  EXPECT_EQ(table.take(answer_to(sale_key(1))).kind, match_kind::late);
  EXPECT_EQ(table.take(answer_to(sale_key(2))).kind, match_kind::matched);
  EXPECT_EQ(table.take(answer_to(sale_key(2))).kind, match_kind::duplicate);
  // Given up before its deadline (reversed at once): its answer is late too.
  EXPECT_TRUE(table.abandon(sale_key(3)));
  EXPECT_FALSE(table.abandon(sale_key(3)));
  EXPECT_EQ(table.take(answer_to(sale_key(3))).kind, match_kind::late);
  EXPECT_EQ(table.take(answer_to(sale_key(9))).kind, match_kind::unknown);
  const auto& c = table.counters();
  EXPECT_EQ(c.matched, 1U);
  EXPECT_EQ(c.late, 2U);
  EXPECT_EQ(c.duplicate, 1U);
  EXPECT_EQ(c.unknown, 1U);
  EXPECT_EQ(table.size(), 0U);
}

// Random adds, answers and expiries against a simple model: the probing table never loses or
// confuses an entry, whatever the deletion order.
TEST(Inflight, AgreesWithAModelUnderChurn) {
  inflight_table table(64);
  std::map<int, link_clock::time_point> model;
  std::mt19937 rng(42);
  link_clock::time_point now = t0;
  int next = 1;
  for (int step = 0; step < 20000; ++step) {
    const auto action = rng() % 3;
    if (action == 0 && model.size() < 64) {
      const auto deadline = now + std::chrono::milliseconds(rng() % 1000);
      ASSERT_TRUE(table.add(sale_key(next), static_cast<std::uint64_t>(next), deadline));
      model[next++] = deadline;
    } else if (action == 1 && !model.empty()) {
      auto it = std::next(model.begin(), static_cast<long>(rng() % model.size()));
      ASSERT_EQ(table.take(answer_to(sale_key(it->first))).token,
                static_cast<std::uint64_t>(it->first));
      model.erase(it);
    } else {
      now += std::chrono::milliseconds(rng() % 50);
      std::array<expired_request, 64> out{};
      const auto n = table.expire(now, out);
      for (std::size_t i = 0; i < n; ++i) {
        const int id = static_cast<int>(out[i].token);
        ASSERT_TRUE(model.contains(id));
        ASSERT_LE(model[id], now);
        model.erase(id);
      }
      for (const auto& [id, deadline] : model) ASSERT_GT(deadline, now);
    }
    ASSERT_EQ(table.size(), model.size());
    if (next > 999'000) break;
  }
}

}  // namespace
}  // namespace sy::routing::link
