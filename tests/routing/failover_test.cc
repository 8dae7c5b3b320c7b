// The failover policy: move on only when the first channel provably did not process the request;
// after a timeout reverse first and follow the route's setting; what each outcome tells a breaker.
#include "routing/failover.h"

#include <gtest/gtest.h>

namespace {

using namespace sy::routing;

constexpr failover_decision next_only{.reverse = false, .try_next = true};
constexpr failover_decision final_answer{.reverse = false, .try_next = false};

TEST(Failover, NotConnectedOrSendFailedTriesTheNextChannel) {
  for (const bool on_timeout : {false, true}) {
    EXPECT_EQ(decide_failover({attempt_result::not_connected, {}}, on_timeout), next_only);
    EXPECT_EQ(decide_failover({attempt_result::send_failed, {}}, on_timeout), next_only);
  }
}

TEST(Failover, RetryableDeclinesTryTheNextChannel) {
  EXPECT_EQ(decide_failover({attempt_result::answered, "91"}, false), next_only);
  EXPECT_EQ(decide_failover({attempt_result::answered, "96"}, false), next_only);
}

TEST(Failover, OtherAnswersAreFinal) {
  for (const char* code : {"00", "05", "14", "51", "54", "61", "9", "", "911", "19", "69"}) {
    EXPECT_EQ(decide_failover({attempt_result::answered, code}, true), final_answer) << code;
  }
}

TEST(Failover, TimeoutIsReversedAndFailsOverOnlyWhenTheRouteSaysSo) {
  EXPECT_EQ(decide_failover({attempt_result::timed_out, {}}, false),
            (failover_decision{.reverse = true, .try_next = false}));
  EXPECT_EQ(decide_failover({attempt_result::timed_out, {}}, true),
            (failover_decision{.reverse = true, .try_next = true}));
}

TEST(Failover, RetryableCodesAreExactlyNinetyOneAndNinetySix) {
  EXPECT_TRUE(retryable_response_code("91"));
  EXPECT_TRUE(retryable_response_code("96"));
  EXPECT_FALSE(retryable_response_code("00"));
  EXPECT_FALSE(retryable_response_code("92"));
  EXPECT_FALSE(retryable_response_code("9"));
  EXPECT_FALSE(retryable_response_code(" 91"));
}

TEST(Failover, BreakerEventOfEachOutcome) {
  EXPECT_EQ(breaker_event_of({attempt_result::not_connected, {}}), breaker_event::none);
  EXPECT_EQ(breaker_event_of({attempt_result::send_failed, {}}), breaker_event::failure);
  EXPECT_EQ(breaker_event_of({attempt_result::answered, "00"}), breaker_event::success);
  EXPECT_EQ(breaker_event_of({attempt_result::answered, "51"}), breaker_event::success);
  EXPECT_EQ(breaker_event_of({attempt_result::answered, "96"}), breaker_event::failure);
  EXPECT_EQ(breaker_event_of({attempt_result::timed_out, {}}), breaker_event::timeout);
}

}  // namespace
