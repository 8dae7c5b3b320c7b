// The failover policy as pure logic: from the outcome of one attempt on one channel, whether to
// reverse it and whether to try the next channel; and what the outcome tells the breaker.
#pragma once

#include <cstdint>
#include <string_view>

namespace sy::routing {

enum class attempt_result : std::uint8_t {
  not_connected,  // no usable connection: nothing was written
  send_failed,    // the write failed before any byte of the request reached the bank
  answered,       // a response matched the request (approval or decline)
  timed_out,      // no matching response in time, or one that cannot be trusted (bad MAC)
};

struct attempt_outcome {
  attempt_result result = attempt_result::not_connected;
  std::string_view response_code;  // DE 39 when answered, e.g. "00", "51", "91"
};

struct failover_decision {
  // Send a reversal (0400, then 0420 through store-and-forward) for the attempt first: the bank
  // may have processed it.
  bool reverse = false;
  // Try the next available channel of the route. When none is left, the payment ends with the
  // attempt's answer if it had one (a retryable decline stays a decline), else as unavailable.
  bool try_next = false;

  friend bool operator==(const failover_decision&, const failover_decision&) = default;
};

// DE 39 codes that say the bank did not process the request and another route may: 91 (issuer
// or switch inoperative) and 96 (system malfunction). Every other answer is final.
bool retryable_response_code(std::string_view code) noexcept;

// Fails over only when the channel provably did not process the request (not connected, send
// failed, or a retryable decline). A timeout is always reversed; whether the payment then moves
// on is the route's failover_on_timeout.
failover_decision decide_failover(const attempt_outcome& outcome,
                                  bool failover_on_timeout) noexcept;

enum class breaker_event : std::uint8_t { none, success, failure, timeout };

// What the attempt means for the channel's breaker: an answer shows it works, unless the answer
// itself is a system error (91, 96); a failed send is a failure; a missing connection is already
// visible in the channel's health and is not counted twice.
breaker_event breaker_event_of(const attempt_outcome& outcome) noexcept;

}  // namespace sy::routing
