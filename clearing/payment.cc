// The payment state machine: each transition checks the status first, then whether a capture or
// void is in flight, then the amount, and verifies the money invariants (refunded + refund pending
// <= captured <= amount, a pending change within the authorization) on the state it returns.
#include "clearing/payment.h"

#include <array>
#include <string>
#include <utility>

#include "config/assert.h"
#include "config/limits.h"
#include "protocol/enum_names.h"

namespace sy::clearing {
namespace {

using protocol::payment_status;

constexpr std::array<std::string_view, 6> event_type_names{"authorization", "sale",   "capture",
                                                           "void",          "refund", "reversal"};
constexpr std::array<std::string_view, 3> event_result_names{"approved", "declined", "failed"};
constexpr std::array<std::string_view, 2> change_kind_names{"capture", "void"};

using protocol::find_name;
using protocol::name_of;

// Cheap, always on: a payment that breaks these would clear or refund money that is not there.
// Every amount is at most limits::amount_minor_max, so the sum cannot overflow.
void verify_amounts(const payment_record& record) {
  const protocol::payment& p = record.resource;
  SY_VERIFY(p.amount.amount > 0 && p.amount.amount <= limits::amount_minor_max);
  SY_VERIFY(p.amount_refunded >= 0 && record.amount_refund_pending >= 0);
  SY_VERIFY(p.amount_refunded + record.amount_refund_pending <= p.amount_captured);
  SY_VERIFY(p.amount_captured <= p.amount.amount);
  if (record.change) {
    // Only an authorized payment has a change in flight, and it moves at most what is authorized.
    const pending_change& change = *record.change;
    SY_VERIFY(p.status == payment_status::authorized);
    SY_VERIFY(change.amount > 0 && change.amount <= p.amount.amount);
    SY_VERIFY(change.kind == change_kind::capture || change.amount == p.amount.amount);
  }
}

// A refund taking an outcome must be one of `payment`'s, covered by its reservation.
void verify_refund_of(const payment_record& payment, const protocol::refund& refund) {
  SY_VERIFY(refund.payment_id == payment.resource.id);
  SY_VERIFY(refund.amount.currency == payment.resource.amount.currency);
  SY_VERIFY(refund.amount.amount > 0 && refund.amount.amount <= payment.amount_refund_pending);
}

refusal refused(refusal_code code, operation op, const payment_record& payment,
                std::int64_t amount_max = 0) {
  return refusal{code, op, payment.resource.status, amount_max};
}

// DE 37 and DE 11 of the request an event answers: clearing files and reconciliation match the
// bank's rows by them.
struct request_ids {
  const std::optional<std::string>& rrn;
  const std::optional<std::string>& stan;
};

// The event every transition of `payment` starts from; the caller fills in the rest.
payment_event make_event(const payment_record& payment, event_type type, std::int64_t amount,
                         request_ids request, const event_stamp& stamp) {
  payment_event event;
  event.id = stamp.id;
  event.payment_id = payment.resource.id;
  event.type = type;
  event.amount = protocol::money{amount, payment.resource.amount.currency};
  event.rrn = request.rrn;
  event.stan = request.stan;
  event.time = stamp.time;
  event.business_date = stamp.business_date;
  return event;
}

payment_transition finish(payment_record next, payment_event event, const event_stamp& stamp) {
  next.resource.updated_at = std::chrono::floor<std::chrono::seconds>(stamp.time);
  verify_amounts(next);
  return payment_transition{std::move(next), std::move(event)};
}

// The first request's own event type: a sale captures at once, an authorization only holds.
event_type attempt_type(const payment_record& payment) {
  return payment.capture ? event_type::sale : event_type::authorization;
}

struct outcome_applier {
  const payment_record& payment;
  const event_stamp& stamp;

  // A reversal of the first request carries that request's RRN and STAN too.
  request_ids request() const { return {payment.resource.rrn, payment.stan}; }

  payment_transition operator()(const channel_approved& a) const {
    payment_record next = payment;
    auto& r = next.resource;
    r.status = payment.capture ? payment_status::captured : payment_status::authorized;
    if (payment.capture) r.amount_captured = r.amount.amount;
    r.authorization_code = a.authorization_code;
    r.response_code = a.response_code;
    auto event = make_event(payment, attempt_type(payment), r.amount.amount, request(), stamp);
    event.authorization_code = a.authorization_code;
    event.response_code = a.response_code;
    return finish(std::move(next), std::move(event), stamp);
  }

  payment_transition operator()(const channel_declined& d) const {
    return unsuccessful(payment_status::declined, attempt_type(payment), event_result::declined,
                        d.code, d.response_code);
  }

  payment_transition operator()(const channel_failed& f) const {
    return unsuccessful(payment_status::failed, attempt_type(payment), event_result::failed, f.code,
                        std::nullopt);
  }

  // The reversal is approved in the book the moment the switch decides it: store-and-forward
  // repeats it until the channel acknowledges, and no later answer can revive the payment.
  payment_transition operator()(const channel_timed_out&) const {
    return unsuccessful(payment_status::failed, event_type::reversal, event_result::approved,
                        protocol::decline::issuer_unavailable, std::nullopt);
  }

  payment_transition unsuccessful(payment_status status, event_type type, event_result result,
                                  protocol::decline code,
                                  const std::optional<std::string>& response_code) const {
    payment_record next = payment;
    auto& r = next.resource;
    r.status = status;
    r.decline_code = code;
    r.response_code = response_code;
    auto event = make_event(payment, type, r.amount.amount, request(), stamp);
    event.result = result;
    event.decline_code = code;
    event.response_code = response_code;
    return finish(std::move(next), std::move(event), stamp);
  }
};

// Completes a pending refund: every outcome releases its reservation, only an approval refunds.
struct refund_outcome_applier {
  const payment_record& payment;
  const refund_record& refund;
  const event_stamp& stamp;

  refund_transition operator()(const channel_approved& a) const {
    payment_record next = payment;
    auto& r = next.resource;
    r.amount_refunded += amount();
    r.status = r.amount_refunded == r.amount_captured ? payment_status::refunded
                                                      : payment_status::partially_refunded;
    refund_record done = refund;
    done.resource.status = protocol::refund_status::succeeded;
    done.response_code = a.response_code;
    auto event = refund_event(event_type::refund, event_result::approved);
    event.authorization_code = a.authorization_code;
    event.response_code = a.response_code;
    return finish_refund(std::move(next), std::move(done), std::move(event));
  }

  refund_transition operator()(const channel_declined& d) const {
    return unsuccessful(event_type::refund, event_result::declined, d.code, d.response_code);
  }

  refund_transition operator()(const channel_failed& f) const {
    return unsuccessful(event_type::refund, event_result::failed, f.code, std::nullopt);
  }

  // As for a timed-out payment: the reversal is approved in the book when the switch decides it.
  refund_transition operator()(const channel_timed_out&) const {
    return unsuccessful(event_type::reversal, event_result::approved,
                        protocol::decline::issuer_unavailable, std::nullopt);
  }

  refund_transition unsuccessful(event_type type, event_result result, protocol::decline code,
                                 const std::optional<std::string>& response_code) const {
    refund_record done = refund;
    done.resource.status = protocol::refund_status::failed;
    done.decline_code = code;
    done.response_code = response_code;
    auto event = refund_event(type, result);
    event.decline_code = code;
    event.response_code = response_code;
    return finish_refund(payment, std::move(done), std::move(event));
  }

  std::int64_t amount() const { return refund.resource.amount.amount; }

  payment_event refund_event(event_type type, event_result result) const {
    // A refund's events, its reversal too, carry the refund's own request ids, not the payment's.
    auto event = make_event(payment, type, amount(), {refund.rrn, refund.stan}, stamp);
    event.refund_id = refund.resource.id;
    event.result = result;
    return event;
  }

  refund_transition finish_refund(payment_record next, refund_record done,
                                  payment_event event) const {
    next.amount_refund_pending -= amount();
    auto transition = finish(std::move(next), std::move(event), stamp);
    return refund_transition{std::move(transition.payment), std::move(done),
                             std::move(transition.event)};
  }
};

// The checks every change begins with: the status first, then the change in flight.
std::optional<refusal> refuse_change(const payment_record& payment, operation op) {
  if (payment.resource.status != payment_status::authorized) {
    return refused(refusal_code::invalid_state, op, payment);
  }
  if (payment.change) return refused(refusal_code::change_pending, op, payment);
  return std::nullopt;
}

// Nothing has happened at the channel yet: the resource, updated_at included, is unchanged.
payment_record with_change(const payment_record& payment, change_kind kind, std::int64_t amount) {
  payment_record next = payment;
  next.change = pending_change{kind, amount, std::nullopt, std::nullopt};
  verify_amounts(next);
  return next;
}

// Completes the payment's pending capture or void. The resource's response_code and decline_code
// keep describing the payment's first request: the change's own codes go on its event only, so a
// payment still authorized after a declined capture shows no decline (the API documents
// decline_code for declined or failed payments), and a captured one keeps its authorization's
// DE 39 and authorization code.
struct change_outcome_applier {
  const payment_record& payment;
  const pending_change& change;
  const event_stamp& stamp;

  // A 0230 or 0410 often carries no DE 38: the change completes the authorization, whose code
  // clearing then presents with it.
  payment_transition operator()(const channel_approved& a) const {
    auto event = change_event(attempt_type(), event_result::approved);
    event.authorization_code =
        a.authorization_code.empty() ? payment.resource.authorization_code : a.authorization_code;
    event.response_code = a.response_code;
    return completed(std::move(event));
  }

  payment_transition operator()(const channel_declined& d) const {
    auto event = change_event(attempt_type(), event_result::declined);
    event.decline_code = d.code;
    event.response_code = d.response_code;
    return stays_authorized(std::move(event));
  }

  payment_transition operator()(const channel_failed& f) const {
    auto event = change_event(attempt_type(), event_result::failed);
    event.decline_code = f.code;
    return stays_authorized(std::move(event));
  }

  // A capture's 0220 is reversed by store-and-forward, so the authorization stands as it was. A
  // void is itself a 0400 that store-and-forward repeats as 0420 until the bank acknowledges it,
  // so the book releases the authorization at once, with no answer to show.
  payment_transition operator()(const channel_timed_out&) const {
    if (change.kind == change_kind::void_) {
      return completed(change_event(event_type::void_, event_result::approved));
    }
    auto event = change_event(event_type::reversal, event_result::approved);
    event.decline_code = protocol::decline::issuer_unavailable;
    return stays_authorized(std::move(event));
  }

  event_type attempt_type() const {
    return change.kind == change_kind::capture ? event_type::capture : event_type::void_;
  }

  // A void event's amount is what it releases, the whole authorization; a capture's, or its
  // reversal's, is the amount the capture asked for.
  payment_event change_event(event_type type, event_result result) const {
    const std::int64_t amount =
        change.kind == change_kind::void_ ? payment.resource.amount.amount : change.amount;
    auto event = make_event(payment, type, amount, {change.rrn, change.stan}, stamp);
    event.result = result;
    return event;
  }

  payment_transition completed(payment_event event) const {
    payment_record next = payment;
    next.change.reset();
    if (change.kind == change_kind::capture) {
      next.resource.status = payment_status::captured;
      next.resource.amount_captured = change.amount;
    } else {
      next.resource.status = payment_status::voided;
    }
    return finish(std::move(next), std::move(event), stamp);
  }

  // The payment stays authorized and can be captured or voided again.
  payment_transition stays_authorized(payment_event event) const {
    payment_record next = payment;
    next.change.reset();
    return finish(std::move(next), std::move(event), stamp);
  }
};

}  // namespace

std::string_view to_string(event_type type) noexcept {
  return name_of(event_type_names, type);
}

std::string_view to_string(event_result result) noexcept {
  return name_of(event_result_names, result);
}

std::optional<event_type> event_type_from_string(std::string_view name) noexcept {
  return find_name<event_type>(event_type_names, name);
}

std::optional<event_result> event_result_from_string(std::string_view name) noexcept {
  return find_name<event_result>(event_result_names, name);
}

std::string_view to_string(change_kind kind) noexcept {
  return name_of(change_kind_names, kind);
}

std::string_view to_string(operation op) noexcept {
  switch (op) {
    case operation::open:
      return "open";
    case operation::complete:
      return "complete";
    case operation::capture:
      return "capture";
    case operation::void_:
      return "void";
    case operation::complete_change:
      return "complete_change";
    case operation::refund:
      return "refund";
    case operation::complete_refund:
      return "complete_refund";
  }
  return {};
}

std::string_view to_string(refusal_code code) noexcept {
  switch (code) {
    case refusal_code::invalid_state:
      return "invalid_state";
    case refusal_code::change_pending:
      return "change_pending";
    case refusal_code::amount_not_positive:
      return "amount_not_positive";
    case refusal_code::amount_too_large:
      return "amount_too_large";
    case refusal_code::amount_exceeds_authorized:
      return "amount_exceeds_authorized";
    case refusal_code::amount_exceeds_refundable:
      return "amount_exceeds_refundable";
  }
  return {};
}

std::string describe(const refusal& r) {
  const std::string max = std::to_string(r.amount_max);
  switch (r.code) {
    case refusal_code::invalid_state:
      if (r.refund_status) {
        return "cannot complete a refund whose status is " +
               std::string(protocol::to_string(*r.refund_status));
      }
      if (r.op == operation::complete_change) {
        return "no capture or void of this payment is in progress";
      }
      return "cannot " + std::string(to_string(r.op)) + " a payment whose status is " +
             std::string(protocol::to_string(r.status));
    case refusal_code::change_pending:
      return "a capture or void of this payment is already in progress";
    case refusal_code::amount_not_positive:
      return "amount must be greater than zero";
    case refusal_code::amount_too_large:
      return "amount must be at most " + max;
    case refusal_code::amount_exceeds_authorized:
      return "amount exceeds the authorized amount (at most " + max + ")";
    case refusal_code::amount_exceeds_refundable:
      return "amount exceeds the amount left to refund (at most " + max + ")";
  }
  return "refused";
}

result<payment_record, refusal> open_payment(std::string id, std::string merchant_id,
                                             const protocol::create_payment_request& request,
                                             std::chrono::sys_seconds now) {
  payment_record record;
  if (request.amount.amount <= 0) {
    return refused(refusal_code::amount_not_positive, operation::open, record);
  }
  if (request.amount.amount > limits::amount_minor_max) {
    return refused(refusal_code::amount_too_large, operation::open, record,
                   limits::amount_minor_max);
  }
  auto& r = record.resource;
  r.id = std::move(id);
  r.status = payment_status::pending;
  r.amount = request.amount;
  r.merchant_reference = request.merchant_reference;
  r.description = request.description;
  r.metadata = request.metadata;
  r.payment_method = protocol::summarize(request.payment_method);
  r.created_at = now;
  r.updated_at = now;
  record.merchant_id = std::move(merchant_id);
  record.capture = request.capture;
  verify_amounts(record);
  return record;
}

result<payment_transition, refusal> apply_outcome(const payment_record& payment,
                                                  const channel_outcome& outcome,
                                                  const event_stamp& stamp) {
  if (payment.resource.status != payment_status::pending) {
    return refused(refusal_code::invalid_state, operation::complete, payment);
  }
  auto transition = std::visit(outcome_applier{payment, stamp}, outcome);
  transition.payment.resource.business_date = stamp.business_date;
  return transition;
}

result<payment_record, refusal> begin_capture(const payment_record& payment,
                                              const protocol::capture_request& request) {
  if (auto refusal = refuse_change(payment, operation::capture)) return *refusal;
  const auto& current = payment.resource;
  const std::int64_t amount = request.amount.value_or(current.amount.amount);
  if (amount <= 0) return refused(refusal_code::amount_not_positive, operation::capture, payment);
  if (amount > current.amount.amount) {
    return refused(refusal_code::amount_exceeds_authorized, operation::capture, payment,
                   current.amount.amount);
  }
  return with_change(payment, change_kind::capture, amount);
}

result<payment_record, refusal> begin_void(const payment_record& payment) {
  if (auto refusal = refuse_change(payment, operation::void_)) return *refusal;
  return with_change(payment, change_kind::void_, payment.resource.amount.amount);
}

result<payment_transition, refusal> apply_change_outcome(const payment_record& payment,
                                                         const channel_outcome& outcome,
                                                         const event_stamp& stamp) {
  if (!payment.change)
    return refused(refusal_code::invalid_state, operation::complete_change, payment);
  verify_amounts(payment);  // a change that is not within the authorization is corrupt
  return std::visit(change_outcome_applier{payment, *payment.change, stamp}, outcome);
}

result<refund_start, refusal> begin_refund(const payment_record& payment,
                                           const protocol::refund_request& request,
                                           std::string refund_id, std::chrono::sys_seconds now) {
  const auto& current = payment.resource;
  if (current.status != payment_status::captured &&
      current.status != payment_status::partially_refunded) {
    return refused(refusal_code::invalid_state, operation::refund, payment);
  }
  verify_amounts(payment);  // so that what is refundable is never negative
  const std::int64_t refundable =
      current.amount_captured - current.amount_refunded - payment.amount_refund_pending;
  if (request.amount <= 0) {
    return refused(refusal_code::amount_not_positive, operation::refund, payment);
  }
  if (request.amount > refundable) {
    return refused(refusal_code::amount_exceeds_refundable, operation::refund, payment, refundable);
  }
  payment_record next = payment;
  next.amount_refund_pending += request.amount;
  verify_amounts(next);

  refund_record started;
  auto& r = started.resource;
  r.id = std::move(refund_id);
  r.payment_id = current.id;
  r.amount = protocol::money{request.amount, current.amount.currency};
  r.status = protocol::refund_status::pending;
  r.reason = request.reason;
  r.created_at = now;
  return refund_start{std::move(next), std::move(started)};
}

result<refund_transition, refusal> apply_refund_outcome(const payment_record& payment,
                                                        const refund_record& refund,
                                                        const channel_outcome& outcome,
                                                        const event_stamp& stamp) {
  const auto status = refund.resource.status;
  if (status != protocol::refund_status::pending) {
    auto refusal = refused(refusal_code::invalid_state, operation::complete_refund, payment);
    refusal.refund_status = status;
    return refusal;
  }
  verify_refund_of(payment, refund.resource);
  return std::visit(refund_outcome_applier{payment, refund, stamp}, outcome);
}

}  // namespace sy::clearing
