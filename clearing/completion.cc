// Ending a channel request: apply its outcome, answer its merchant request, end or keep the request.
#include "clearing/completion.h"

#include <utility>

#include "clearing/store/errc.h"
#include "config/assert.h"
#include "protocol/merchant_resources.h"

namespace sy::clearing {
namespace {

using layout::request_kind;

// HTTP statuses of merchant-api.md's endpoints.
constexpr std::uint16_t http_ok = 200;
constexpr std::uint16_t http_created = 201;

// The merchant request `request` was made for, while its idempotency record waits for the answer.
result<std::optional<merchant_request>> waiting_merchant(const book& b,
                                                         const layout::channel_request& request) {
  if (!request.idempotency_key) return std::optional<merchant_request>{};
  auto record = b.idempotency(request.merchant_id, *request.idempotency_key);
  if (!record) return record.error();
  if (!*record || (*record)->state != layout::idempotency_state::in_progress) {
    return std::optional<merchant_request>{};
  }
  const auto& r = **record;
  return std::optional<merchant_request>{merchant_request{
      request.merchant_id, *request.idempotency_key, r.fingerprint, r.created_at, r.expires_at,
      r.object_id}};
}

// What applying the outcome gives, whichever object it ends.
struct applied {
  payment_record payment;
  std::optional<refund_record> refund_before;
  std::optional<refund_record> refund;
  payment_event event;
};

result<applied> apply(const book& b, const layout::channel_request& request,
                      const payment_record& payment, const channel_outcome& outcome,
                      const event_stamp& stamp) {
  const auto inconsistent = make_error_code(store::errc::corrupt_record);
  switch (request.kind) {
    case request_kind::payment: {
      auto t = apply_outcome(payment, outcome, stamp);
      if (!t) return inconsistent;
      return applied{std::move(t->payment), std::nullopt, std::nullopt, std::move(t->event)};
    }
    case request_kind::capture:
    case request_kind::void_: {
      auto t = apply_change_outcome(payment, outcome, stamp);
      if (!t) return inconsistent;
      return applied{std::move(t->payment), std::nullopt, std::nullopt, std::move(t->event)};
    }
    case request_kind::refund: {
      if (!request.refund_id) return inconsistent;
      auto refund = b.refund(*request.refund_id);
      if (!refund) return refund.error();
      if (refund->resource.payment_id != payment.resource.id) return inconsistent;
      auto t = apply_refund_outcome(payment, *refund, outcome, stamp);
      if (!t) return inconsistent;
      return applied{std::move(t->payment), std::move(*refund), std::move(t->refund),
                     std::move(t->event)};
    }
  }
  return inconsistent;
}

}  // namespace

result<event_stamp, id_error> event_stamper::operator()(event_time now) const {
  auto id = ids_.next_text(id_kind::event, now);
  if (!id) return id.error();
  return event_stamp{std::move(*id), now, calendar_.date_of(now)};
}

stored_response merchant_answer(request_kind kind, const payment_record& payment,
                                const refund_record* refund) {
  if (kind == request_kind::refund) {
    SY_VERIFY(refund != nullptr);
    return {http_created, protocol::to_json(refund->resource)};
  }
  return {kind == request_kind::payment ? http_created : http_ok,
          protocol::to_json(payment.resource)};
}

result<final_step> complete(const book& b, const open_request& open,
                            const channel_outcome& outcome, const event_stamp& stamp) {
  const auto& request = open.request;
  auto payment = b.payment(request.payment_id);
  if (!payment) return payment.error();
  auto merchant = waiting_merchant(b, request);
  if (!merchant) return merchant.error();
  auto result = apply(b, request, *payment, outcome, stamp);
  if (!result) return result.error();

  final_step step;
  step.before = std::move(*payment);
  step.payment = std::move(result->payment);
  step.refund_before = std::move(result->refund_before);
  step.refund = std::move(result->refund);
  step.event = std::move(result->event);
  step.request = request;
  if (std::holds_alternative<channel_timed_out>(outcome)) {
    step.end = request_end::reversal_due;
    step.next_attempt_at = stamp.time;
  }
  if (*merchant) {
    step.response = merchant_answer(request.kind, step.payment,
                                    step.refund ? &*step.refund : nullptr);
    step.merchant = std::move(*merchant);
  }
  return step;
}

}  // namespace sy::clearing
