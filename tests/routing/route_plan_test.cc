// Walking a rule's channels: failover order, health skipping (down, not signed on, breaker open,
// half-open probe taken), each channel at most once, and the weighted split's shares.
#include "routing/route_plan.h"

#include <gtest/gtest.h>

#include <array>

#include "route_test_support.h"

namespace {

using namespace sy::routing;
using namespace sy::routing::test;

const channel_health::clock::time_point now{std::chrono::hours(1000)};

route_plan plan_of(const route_table& table, std::uint64_t split_key = 0) {
  auto request = card_request();
  request.split_key = split_key;
  return table.plan(request);
}

// Every channel number the plan offers, in order, until it runs out.
std::vector<std::size_t> walk(route_plan plan, health_board& board) {
  std::vector<std::size_t> out;
  while (const auto c = plan.next(board, now)) out.push_back(*c);
  return out;
}

void open_breaker(channel_health& h) {
  for (int i = 0; i < 5; ++i) h.circuit().record_timeout(now);
}

using numbers = std::vector<std::size_t>;

TEST(RoutePlan, OffersChannelsInFailoverOrderEachOnce) {
  const auto table = table_of({route("r", {"c", "a", "b"})});
  auto board = board_up();
  EXPECT_EQ(walk(plan_of(table), board), (numbers{2, 0, 1}));
}

TEST(RoutePlan, UnmatchedPlanOffersNothing) {
  const auto table = table_of({});
  auto board = board_up();
  auto plan = plan_of(table);
  EXPECT_FALSE(plan.matched());
  EXPECT_EQ(plan.rule(), nullptr);
  EXPECT_EQ(plan.next(board, now), std::nullopt);
}

TEST(RoutePlan, SkipsDownNotSignedOnAndOpenChannels) {
  const auto table = table_of({route("r", {"a", "b", "c", "d"})});
  auto board = board_up();
  board[0].set_connected(false);
  board[1].set_signed_on(false);
  open_breaker(board[2]);
  EXPECT_EQ(walk(plan_of(table), board), (numbers{3}));
  board[3].set_connected(false);
  EXPECT_EQ(walk(plan_of(table), board), numbers{});
}

TEST(RoutePlan, HalfOpenChannelTakesOneProbeThenIsSkipped) {
  const auto table = table_of({route("r", {"a", "b"})});
  auto board = board_up();
  open_breaker(board[0]);
  const auto later = now + std::chrono::seconds(5);
  auto first = plan_of(table);
  EXPECT_EQ(first.next(board, later), 0u);  // the probe
  auto second = plan_of(table);
  EXPECT_EQ(second.next(board, later), 1u);  // probe slot taken
  board[0].circuit().record_success(later);
  auto third = plan_of(table);
  EXPECT_EQ(third.next(board, later), 0u);
}

TEST(RoutePlan, FailoverContinuesAfterTheChannelTried) {
  const auto table = table_of({route("r", {"a", "b", "c"})});
  auto board = board_up();
  auto plan = plan_of(table);
  EXPECT_EQ(plan.next(board, now), 0u);
  board[1].set_connected(false);  // went down between attempts
  EXPECT_EQ(plan.next(board, now), 2u);
  EXPECT_EQ(plan.next(board, now), std::nullopt);
  EXPECT_EQ(plan.rule()->id, "r");
}

// Shares of the first channel offered over `n` sequential split keys.
std::array<int, 4> first_shares(const route_table& table, health_board& board, int n) {
  std::array<int, 4> shares{};
  for (int key = 0; key < n; ++key) {
    auto plan = plan_of(table, static_cast<std::uint64_t>(key));
    if (const auto c = plan.next(board, now)) ++shares[*c];
  }
  return shares;
}

TEST(RoutePlan, WeightsSplitVolumeInProportion) {
  auto r = route("split", {"a", "b", "c"});
  r.weights = {70, 20, 10};
  const auto table = table_of({r});
  auto board = board_up();
  const auto shares = first_shares(table, board, 100000);
  EXPECT_NEAR(shares[0], 70000, 1000);
  EXPECT_NEAR(shares[1], 20000, 1000);
  EXPECT_NEAR(shares[2], 10000, 1000);
}

TEST(RoutePlan, SameSplitKeySameChannel) {
  auto r = route("split", {"a", "b"});
  r.weights = {1, 1};
  const auto table = table_of({r});
  auto board = board_up();
  for (std::uint64_t key : {1u, 42u, 977u}) {
    const auto first = walk(plan_of(table, key), board);
    EXPECT_EQ(walk(plan_of(table, key), board), first);
    EXPECT_EQ(first.size(), 2u);
  }
}

TEST(RoutePlan, UnavailableWeightedChannelShareGoesToTheOthersInProportion) {
  auto r = route("split", {"a", "b", "c"});
  r.weights = {50, 25, 25};
  const auto table = table_of({r});
  auto board = board_up();
  board[0].set_connected(false);
  const auto shares = first_shares(table, board, 100000);
  EXPECT_EQ(shares[0], 0);
  EXPECT_NEAR(shares[1], 50000, 1000);
  EXPECT_NEAR(shares[2], 50000, 1000);
}

TEST(RoutePlan, ZeroWeightChannelsAreBackupsOnly) {
  auto r = route("split", {"a", "b", "c"});
  r.weights = {0, 3, 1};
  const auto table = table_of({r});
  auto board = board_up();
  EXPECT_EQ(first_shares(table, board, 1000)[0], 0);
  // After every weighted channel, the backup; a weighted pick is followed by the other weighted.
  const auto order = walk(plan_of(table, 5), board);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[2], 0u);
  board[1].set_connected(false);
  board[2].set_connected(false);
  EXPECT_EQ(walk(plan_of(table, 5), board), (numbers{0}));
}

}  // namespace
