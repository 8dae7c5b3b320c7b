// Channel health: a channel is available only when connected, signed on and its breaker admits;
// the board numbers channels as the configuration lists them.
#include "routing/channel_health.h"

#include <gtest/gtest.h>

#include "routing/health_board.h"

namespace {

using sy::routing::channel_health;
using sy::routing::health_board;

const channel_health::clock::time_point now{std::chrono::hours(1000)};

TEST(ChannelHealth, AvailableOnlyWhenConnectedAndSignedOn) {
  channel_health h;
  EXPECT_FALSE(h.available(now));
  h.set_connected(true);
  EXPECT_FALSE(h.available(now));
  EXPECT_FALSE(h.try_acquire(now));
  h.set_signed_on(true);
  EXPECT_TRUE(h.available(now));
  EXPECT_TRUE(h.try_acquire(now));
  h.set_connected(false);
  EXPECT_FALSE(h.available(now));
}

TEST(ChannelHealth, OpenBreakerMakesItUnavailable) {
  channel_health h;
  h.set_connected(true);
  h.set_signed_on(true);
  for (int i = 0; i < 5; ++i) h.circuit().record_timeout(now);
  EXPECT_FALSE(h.available(now));
  EXPECT_FALSE(h.try_acquire(now));
}

TEST(HealthBoard, NumbersChannelsInConfigOrder) {
  sy::config::config cfg;
  cfg.channels.resize(3);
  cfg.channels[0].id = "bank_a";
  cfg.channels[1].id = "bank_b";
  cfg.channels[2].id = "wallet";
  health_board board(cfg);
  EXPECT_EQ(board.size(), 3u);
  EXPECT_EQ(board.index_of("bank_b"), 1u);
  EXPECT_EQ(board.index_of("wallet"), 2u);
  EXPECT_EQ(board.index_of("nope"), std::nullopt);
  EXPECT_EQ(board.index_of(""), std::nullopt);
  board[1].set_connected(true);
  EXPECT_TRUE(board[1].connected());
  EXPECT_FALSE(board[0].connected());
}

}  // namespace
