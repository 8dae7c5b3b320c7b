// The payment model of the book of record: a payment, its refunds, the events that change them,
// and the state machine of specs/merchant-api.md as pure functions (no I/O, no clock, no
// randomness).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/result.h"
#include "protocol/merchant_requests.h"
#include "protocol/merchant_resources.h"
#include "protocol/money.h"
#include "protocol/payment_types.h"

namespace sy::clearing {

// What happened to a payment; each is one journal entry. `void_` is written "void".
enum class event_type : std::uint8_t { authorization, sale, capture, void_, refund, reversal };

// Whether the event took effect. Clearing presents approved events only (specs/clearing-files.md:
// declined and failed attempts do not appear); the others are kept for the record.
enum class event_result : std::uint8_t { approved, declined, failed };

std::string_view to_string(event_type type) noexcept;
std::string_view to_string(event_result result) noexcept;
// Inverses of to_string; nullopt for any other text.
std::optional<event_type> event_type_from_string(std::string_view name) noexcept;
std::optional<event_result> event_result_from_string(std::string_view name) noexcept;

using event_time = std::chrono::sys_time<std::chrono::milliseconds>;

// The system clock at event_time's resolution: the instant events and requests are stamped with.
inline event_time now_ms() noexcept {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// What the caller stamps an event with, so the transitions stay pure: a fresh "ev_" id
// (id_generator), the instant the event completed and the business date in force then
// (business_calendar::date_of).
struct event_stamp {
  std::string id;
  event_time time{};
  std::chrono::year_month_day business_date{};
};

struct payment_event {
  std::string id;                        // "ev_..."
  std::string payment_id;                // "pay_..."
  std::optional<std::string> refund_id;  // "re_...", a refund's refund or reversal event
  event_type type = event_type::authorization;
  event_result result = event_result::approved;
  // Positive, in the payment's currency: the amount authorized, sold, captured, released (void),
  // refunded or reversed. Clearing files give refunds their negative sign.
  protocol::money amount;
  std::optional<std::string> authorization_code;  // DE 38, approved requests to the channel
  std::optional<std::string> response_code;       // DE 39 when the channel answered
  std::optional<protocol::decline> decline_code;  // declined and failed attempts, reversals
  // DE 37 and DE 11 of the request this event answers (a reversal: of the request it reverses),
  // as clearing files present them; none for a risk decline that never reached a channel.
  std::optional<std::string> rrn;
  std::optional<std::string> stan;
  event_time time{};
  std::chrono::year_month_day business_date{};

  friend bool operator==(const payment_event&, const payment_event&) = default;
};

// A capture (0220 completion advice) or a void (0400 reversal) of an authorized payment: an
// online request of its own, sent to the payment's channel and not yet answered.
enum class change_kind : std::uint8_t { capture, void_ };

struct pending_change {
  change_kind kind = change_kind::capture;
  // capture: the amount to capture; void: the authorized amount it releases.
  std::int64_t amount = 0;
  // DE 37 and DE 11 of the change's own request; the caller sets them when it routes the change,
  // before the "sent" record is written.
  std::optional<std::string> rrn;
  std::optional<std::string> stan;

  friend bool operator==(const pending_change&, const pending_change&) = default;
};

std::string_view to_string(change_kind kind) noexcept;

// A payment as the book of record keeps it. The state machine owns resource.status, the three
// amounts and amount_refund_pending; the caller sets resource.channel, resource.rrn and stan when
// it routes the payment, before the "sent" record is written.
struct payment_record {
  protocol::payment resource;  // what GET /v1/payments/{id} shows
  std::string merchant_id;
  bool capture = true;              // the create request's flag: approval is a sale, or holds only
  std::optional<std::string> stan;  // DE 11 of the first request to the channel
  // The sum of the refunds still pending: reserved, so that refunds in flight together never
  // exceed what is left to refund. Not in the resource, whose amount_refunded counts succeeded
  // refunds only.
  std::int64_t amount_refund_pending = 0;
  // The capture or void in flight, at most one: set by begin_capture / begin_void, cleared by
  // apply_change_outcome. Not in the resource, whose status stays authorized until the answer.
  std::optional<pending_change> change;
  // A card payment's PAN as hsm::protect_pan sealed it (associated data: the payment id), for the
  // later requests that carry DE 2 again (capture, void, refund, reversal); never the PAN itself.
  // Empty for wallets. Opaque here.
  std::string pan_ciphertext;

  friend bool operator==(const payment_record&, const payment_record&) = default;
};

// A refund as the book of record keeps it: its own request to the channel (a 0200 with DE 3
// 200000, or a wallet provider's refund call). The state machine owns resource.status,
// response_code and decline_code; the caller sets rrn and stan when it routes the refund, before
// the "sent" record is written. Clearing takes a refund row's RRN and STAN from here.
struct refund_record {
  protocol::refund resource;                      // what the refunds endpoint answers with
  std::optional<std::string> rrn;                 // DE 37 of the refund's request
  std::optional<std::string> stan;                // DE 11 of the refund's request
  std::optional<std::string> response_code;       // DE 39 when the channel answered
  std::optional<protocol::decline> decline_code;  // failed refunds only

  friend bool operator==(const refund_record&, const refund_record&) = default;
};

// The channel's answer to a payment's first request or to a refund's request, or its late
// asynchronous completion (a wallet provider's callback).
struct channel_approved {
  std::string authorization_code;  // DE 38
  std::string response_code = "00";
};
struct channel_declined {
  protocol::decline code = protocol::decline::do_not_honor;
  std::optional<std::string> response_code;  // none for the switch's own risk declines
};
// No answer could be had and nothing was sent, or the request surely did not take effect.
struct channel_failed {
  protocol::decline code = protocol::decline::issuer_unavailable;
};
// Sent, but no answer in time: the switch reverses it (store-and-forward), so it is failed.
struct channel_timed_out {};

using channel_outcome =
    std::variant<channel_approved, channel_declined, channel_failed, channel_timed_out>;

// The operation a refusal refused.
// `complete` is apply_outcome's: a pending payment completed by its channel's answer.
// `capture` and `void_` are begin_capture's and begin_void's, `complete_change` is
// apply_change_outcome's. `refund` is begin_refund's; `complete_refund` is apply_refund_outcome's.
enum class operation : std::uint8_t {
  open,
  complete,
  capture,
  void_,
  complete_change,
  refund,
  complete_refund
};

enum class refusal_code : std::uint8_t {
  invalid_state,              // the operation does not apply in the payment's status (API: 409)
  change_pending,             // a capture or void of the payment is in flight (API: 409)
  amount_not_positive,        // amount is zero or negative (API: 400, param "amount")
  amount_too_large,           // a payment above limits::amount_minor_max (API: 400)
  amount_exceeds_authorized,  // capture above the authorized amount (API: 400)
  amount_exceeds_refundable,  // refund above captured minus refunded and pending (API: 400)
};

// Why a transition was refused; the payment and the refund are unchanged.
struct refusal {
  refusal_code code = refusal_code::invalid_state;
  operation op = operation::open;
  protocol::payment_status status = protocol::payment_status::pending;  // when it was refused
  // amount_exceeds_authorized, amount_exceeds_refundable, amount_too_large: the largest amount
  // that would have been accepted. 0 otherwise.
  std::int64_t amount_max = 0;
  // operation::complete_refund: the refund's status when it was refused. nullopt otherwise.
  std::optional<protocol::refund_status> refund_status = std::nullopt;

  friend bool operator==(const refusal&, const refusal&) = default;
};

std::string_view to_string(operation op) noexcept;
std::string_view to_string(refusal_code code) noexcept;

// A sentence for the API error's `message`: "cannot capture a payment whose status is
// declined", "cannot complete a refund whose status is succeeded", "amount exceeds the amount
// left to refund (at most 700)".
std::string describe(const refusal& r);

struct payment_transition {
  payment_record payment;  // the new state, to commit together with the event
  payment_event event;
};

// A refund begun: nothing is recorded as happened yet, so there is no event. Both records go into
// the refund's "sent" commit, before the channel sees the request.
struct refund_start {
  payment_record payment;  // the amount reserved in amount_refund_pending
  refund_record refund;    // status pending
};

// A pending refund completed by its channel's answer.
struct refund_transition {
  payment_record payment;  // the new state, to commit together with the refund and the event
  refund_record refund;    // status succeeded or failed
  payment_event event;
};

// A new payment from a validated create request: status pending, nothing captured or refunded,
// card reduced to its summary (no PAN, no CVC). `id` is a "pay_" id.
// Refusals (operation::open): amount_not_positive, amount_too_large.
result<payment_record, refusal> open_payment(std::string id, std::string merchant_id,
                                             const protocol::create_payment_request& request,
                                             std::chrono::sys_seconds now);

// A pending payment takes its channel's answer, first or late (asynchronous channels keep a
// payment pending until they complete it). Approved: captured with a sale event when the
// payment's capture flag is set, else authorized with an authorization event. Declined: declined.
// Failed: failed. Timed out: failed (issuer_unavailable) with a reversal event. Declined and
// failed answers record their attempt (sale or authorization) with that result.
// Refusal: invalid_state (only a pending payment takes an outcome; a late answer to a reversed
// payment is refused, its reversal already undoes it).
result<payment_transition, refusal> apply_outcome(const payment_record& payment,
                                                  const channel_outcome& outcome,
                                                  const event_stamp& stamp);

// Begins a capture of an authorized payment, all of it or (once, like Stripe) part of it: the
// capture is recorded as the payment's pending change; nothing has happened at the channel yet,
// so there is no event and the resource is unchanged. Both go into the capture's "sent" commit.
// Refusals (operation::capture): invalid_state (not authorized), change_pending (a capture or
// void is already in flight), amount_not_positive, amount_exceeds_authorized.
result<payment_record, refusal> begin_capture(const payment_record& payment,
                                              const protocol::capture_request& request);

// Begins a void, the release of an authorization never captured: recorded as the payment's
// pending change, like a capture. Refusals (operation::void_): invalid_state (not authorized),
// change_pending.
result<payment_record, refusal> begin_void(const payment_record& payment);

// The payment's pending capture or void takes its channel's answer; the change is cleared.
// Capture approved: captured with amount_captured = the change's amount (the rest of the
// authorization is released, a second capture is refused) and an approved capture event.
// Void approved: voided with an approved void event. Declined or failed: the payment stays
// authorized and the attempt is recorded as a capture or void event with that result. Timed out:
// a capture's completion advice is reversed (store-and-forward), so the payment stays authorized
// with an approved reversal event; a void is itself a reversal that store-and-forward repeats
// until acknowledged, so the payment is voided with an approved void event and no response code.
// Every event carries the change's own RRN and STAN.
// Refusal (operation::complete_change): invalid_state (no change pending).
result<payment_transition, refusal> apply_change_outcome(const payment_record& payment,
                                                         const channel_outcome& outcome,
                                                         const event_stamp& stamp);

// Begins a refund of part or the rest of what was captured: a new refund in status pending whose
// amount is reserved in the payment's amount_refund_pending until its outcome. Refunds may repeat,
// concurrently too: each must fit in what is refundable, the captured amount minus succeeded and
// pending refunds. The payment's resource (status, amount_refunded, updated_at) is unchanged.
// `refund_id` is a "re_" id; `now` is the refund's created_at.
// Refusals (operation::refund): invalid_state (not captured or partially_refunded),
// amount_not_positive, amount_exceeds_refundable (with what is refundable).
result<refund_start, refusal> begin_refund(const payment_record& payment,
                                           const protocol::refund_request& request,
                                           std::string refund_id, std::chrono::sys_seconds now);

// A pending refund of `payment` takes its channel's answer, first or late (a wallet keeps a refund
// pending until its provider calls back). Each outcome releases the refund's reservation.
// Approved: the refund succeeded; the payment's amount_refunded grows by its amount and the
// payment becomes partially_refunded, or refunded when all that was captured is refunded; a refund
// event, approved. Declined or failed: the refund failed with the channel's decline; a refund
// event with that result; the payment's status is unchanged. Timed out: the refund failed
// (issuer_unavailable) with a reversal event, as a timed-out payment. Only approved refund events
// are presented in clearing files.
// Refusal (operation::complete_refund, with the refund's status): invalid_state (only a pending
// refund takes an outcome; a late answer to a reversed refund is refused).
// A refund that is not the payment's, or not covered by its reservation, is a bug (SY_VERIFY).
result<refund_transition, refusal> apply_refund_outcome(const payment_record& payment,
                                                        const refund_record& refund,
                                                        const channel_outcome& outcome,
                                                        const event_stamp& stamp);

}  // namespace sy::clearing
