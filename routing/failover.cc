// The failover decision and the breaker event of an attempt's outcome.
#include "routing/failover.h"

namespace sy::routing {

bool retryable_response_code(std::string_view code) noexcept {
  return code == "91" || code == "96";
}

failover_decision decide_failover(const attempt_outcome& outcome,
                                  bool failover_on_timeout) noexcept {
  switch (outcome.result) {
    case attempt_result::not_connected:
    case attempt_result::send_failed:
      return {.reverse = false, .try_next = true};
    case attempt_result::answered:
      return {.reverse = false, .try_next = retryable_response_code(outcome.response_code)};
    case attempt_result::timed_out:
      return {.reverse = true, .try_next = failover_on_timeout};
  }
  // Not a valid outcome: the cautious answer (reverse, stop) never double-charges.
  return {.reverse = true, .try_next = false};
}

breaker_event breaker_event_of(const attempt_outcome& outcome) noexcept {
  switch (outcome.result) {
    case attempt_result::not_connected:
      return breaker_event::none;
    case attempt_result::send_failed:
      return breaker_event::failure;
    case attempt_result::answered:
      return retryable_response_code(outcome.response_code) ? breaker_event::failure
                                                            : breaker_event::success;
    case attempt_result::timed_out:
      return breaker_event::timeout;
  }
  return breaker_event::failure;
}

}  // namespace sy::routing
