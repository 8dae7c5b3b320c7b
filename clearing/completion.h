// A channel request's end: the channel's outcome applied to its payment (and refund), the
// merchant's stored answer, and what becomes of the request, as one book::finished step. Shared by
// the live path and start-up recovery, so a request ends the same way whoever ends it.
#pragma once

#include <string_view>

#include "clearing/book.h"
#include "clearing/business_date.h"
#include "clearing/ids.h"
#include "clearing/payment.h"
#include "config/result.h"

namespace sy::clearing {

// Stamps the events a step records: a fresh time-ordered event id and the business date in force.
// Thread-safe (the id generator is).
class event_stamper {
 public:
  event_stamper(id_generator& ids, const business_calendar& calendar) noexcept
      : ids_(ids), calendar_(calendar) {}

  // Error: random_unavailable (no id could be made).
  result<event_stamp, id_error> operator()(event_time now) const;

 private:
  id_generator& ids_;
  const business_calendar& calendar_;
};

// The answer merchant-api.md gives once a request's object is final: 201 with the payment for a
// new payment, 200 with the payment for a capture or a void, 201 with the refund for a refund.
// `refund` is required for request_kind::refund (SY_VERIFY) and ignored otherwise.
stored_response merchant_answer(layout::request_kind kind, const payment_record& payment,
                                const refund_record* refund);

// The step ending `open` (a request in state `sent`) with `outcome`, read from the book: its
// payment, its refund and the merchant request waiting on it (when its idempotency record is still
// in progress; a purged or already completed record is left alone).
//  - Timed out: the request becomes reversal_due, its first reversal due at `stamp.time`; the
//    payment or refund fails as payment.h says, and that is the merchant's answer.
//  - Any other outcome: the request is answered and erased.
// Errors: store::errc::not_found or corrupt_record when the book does not hold what the request
// names, or holds it in a state that cannot take an outcome (the book is inconsistent: `store
// check` tells where); the book's read errors.
result<final_step> complete(const book& b, const open_request& open,
                            const channel_outcome& outcome, const event_stamp& stamp);

}  // namespace sy::clearing
