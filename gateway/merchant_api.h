// The merchant API's request handling (specs/merchant-api.md): signature, timestamp, rate limit
// and nonce, then endpoint and method, idempotency key, content type and body, then the read
// endpoints here and the POSTs through payment_flow; every answer to an authenticated request is
// signed (Sy-Signature). Asio-free: gateway/http_server.h calls handle().
#pragma once

#include "gateway/http_message.h"
#include "gateway/payment_flow.h"
#include "gateway/switch_context.h"

namespace sy::gateway {

class merchant_api {
 public:
  explicit merchant_api(switch_context& ctx) noexcept : ctx_(ctx), flow_(ctx) {}

  // Answers `request` exactly once through `answer`, possibly later from `ex`. Never answers 500
  // for anything a client sent: every refusal is a specific 4xx, and the switch's own trouble
  // (store, HSM) is a 503 with Retry-After.
  void handle(http_request request, clearing::store::executor ex, answer_fn answer);

  struct call;  // one request's progress (merchant_api.cc)

 private:
  void authenticated(std::shared_ptr<call> c);
  void dispatch(std::shared_ptr<call> c);
  void post(std::shared_ptr<call> c);

  switch_context& ctx_;
  payment_flow flow_;
};

}  // namespace sy::gateway
