// The wallet provider protocol as data, no I/O (docs/channels.md, "Providers"): the switch's
// charge and refund requests, the provider's charge and refund objects, what an answer means for
// the payment (channel_result), and the check of a provider's callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "clearing/payment.h"
#include "config/result.h"
#include "hsm/backend.h"
#include "protocol/money.h"

namespace sy::routing::http {

enum class operation : std::uint8_t { charge, refund };

// A request of the switch to a provider. Wallet requests never carry card data.
struct wallet_request {
  operation op = operation::charge;
  // "pay_..." (charge) or "re_..." (refund): the provider's idempotency key, so a repeat of the
  // request never charges twice. [A-Za-z0-9_-], at most limits::object_id_size_max.
  std::string id;
  std::string charge_id;  // refunds: the id of the charge refunded
  protocol::money amount;
  std::string provider;     // charges: payment_method.wallet.provider
  std::string account;      // charges: the payer's account at the provider
  std::string merchant_id;  // the switch's merchant, for the provider's statement
  std::string description;  // charges: description; refunds: reason; may be empty
};

enum class provider_status : std::uint8_t { succeeded, failed, pending };

// A charge or refund object as the provider answers it and as its callback carries it.
struct provider_object {
  operation op = operation::charge;
  std::string id;         // the switch's request id
  std::string charge_id;  // refunds
  provider_status status = provider_status::pending;
  std::string reference;  // the provider's own id, 1 to limits::provider_reference_size_max
  std::optional<std::string> failure_reason;  // failed: a decline name ("insufficient_funds")
  protocol::money amount;
};

// What became of a request, for the payment state machine and failover.
enum class result_kind : std::uint8_t {
  answered,   // final: outcome holds channel_approved or channel_declined
  accepted,   // pending: the provider calls back later; record awaiting_completion
  timed_out,  // may have been processed: outcome is channel_timed_out; query the status later
  not_sent,   // provably not processed: outcome is channel_failed; failover is allowed
};

struct channel_result {
  result_kind kind = result_kind::not_sent;
  // answered, timed_out and not_sent; none for accepted.
  std::optional<clearing::channel_outcome> outcome;
  std::string reference;  // answered and accepted: the provider's id
  error_code error;       // timed_out and not_sent: why (errc); empty otherwise
};

channel_result not_sent(error_code why);
channel_result timed_out(error_code why);

// "http://host[:port][/prefix]" or "https://..." split; the prefix has no trailing '/'.
struct base_url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string prefix;
};

// Errors: errc::bad_request_value (not an http(s) URL with a host, a port 1-65535, or a query).
result<base_url> parse_base_url(std::string_view text);

// "{prefix}/charges" or "{prefix}/refunds".
std::string request_target(const base_url& base, operation op);
// "{prefix}/charges/{id}" or "{prefix}/refunds/{id}".
std::string status_target(const base_url& base, operation op, std::string_view id);

// Whether `id` may name a request: 1 to limits::object_id_size_max of [A-Za-z0-9_-].
bool is_request_id(std::string_view id) noexcept;

// The JSON body of `request`. Errors: errc::bad_request_value (id or charge_id not a request id,
// no currency).
result<std::string> request_body(const wallet_request& request);

// The request `body` sent to the endpoint of `op` (the simulator's side). Errors:
// errc::bad_request_value (not JSON, a member missing or of the wrong type, a bad id, an unknown
// currency, an amount not positive or over limits::amount_minor_max, a text over its cap).
result<wallet_request> parse_request(operation op, std::string_view body);

// The JSON body of `object` (the simulator's answers and callbacks).
std::string object_body(const provider_object& object);

// Parses a charge or refund object. Errors: errc::malformed_answer (not JSON, over the depth or
// member caps, a member missing or of the wrong type, an unknown status or
// currency, a reference or reason over its cap, a failed object without failure_reason).
result<provider_object> parse_object(std::string_view body);

// The outcome a final object stands for: succeeded -> channel_approved with the reference as the
// authorization code; failed -> channel_declined with its reason (do_not_honor when unknown).
clearing::channel_outcome outcome_of(const provider_object& object);

// What the switch expected an answer to be about.
struct answer_expectation {
  operation op = operation::charge;
  std::string_view id;
  std::optional<protocol::money> amount;  // charges and refunds sent; none for status queries
  bool status_query = false;
};

// A received answer, its signature headers already read (empty when absent).
struct received_answer {
  unsigned status = 0;
  std::string_view timestamp;
  std::string_view signature;
  std::string_view body;
};

// Interprets a provider's answer to a request signed with `request_nonce`: the signature first
// (an answer that does not verify is no answer: timed_out, bad_signature), then the status:
// 200/202 with an object about the expected request -> answered or accepted (malformed_answer
// otherwise); 404 -> not_sent (unknown_request for a status query, rejected otherwise); 400, 401,
// 403, 422 -> not_sent (rejected); 429, 503 -> not_sent (unavailable); 409 -> timed_out
// (id_conflict); other 5xx -> timed_out (server_error); anything else -> timed_out
// (unexpected_status). HSM failures while verifying -> timed_out with the backend's error.
channel_result interpret_answer(hsm::backend& hsm, std::string_view key_name,
                                std::string_view request_nonce, const answer_expectation& expected,
                                const received_answer& answer);

// A provider's callback as the gateway's endpoint received it.
struct received_callback {
  std::string_view method;
  std::string_view path;  // with the query, as received
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view signature;
  std::string_view body;
};

// Checks a callback's signature under `key_name` and its timestamp against `now`
// (limits::signature_timestamp_skew_s either way), then parses its object, which must be final.
// Errors: errc::bad_signature (bad or missing signature, or a malformed nonce), bad_timestamp,
// malformed_answer (the body, or a pending object), the backend's errors. Replayed callbacks
// are harmless: a completed payment refuses a second outcome (clearing::apply_outcome).
result<provider_object> verify_callback(hsm::backend& hsm, std::string_view key_name,
                                        const received_callback& callback,
                                        std::chrono::sys_seconds now);

std::string_view to_string(provider_status s) noexcept;
std::string_view to_string(operation op) noexcept;

}  // namespace sy::routing::http
