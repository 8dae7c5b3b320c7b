// The orchestration of the merchant API's POSTs (DESIGN.md, "One payment, end to end"): risk
// limits, route, the durable "sent" record before the channel sees a request, the channel's
// answer, and the durable final state with the stored merchant answer before the merchant sees it.
// Asio-free: completions arrive on the caller's executor through the store writer and channels.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "clearing/book.h"
#include "clearing/store/fingerprint.h"
#include "config/config.h"
#include "gateway/nonce_claim.h"
#include "gateway/switch_context.h"
#include "protocol/api_error.h"
#include "protocol/merchant_requests.h"

namespace sy::gateway {

// What the merchant is answered with.
struct flow_reply {
  unsigned status = 200;
  std::string body;
  bool replayed = false;     // Idempotent-Replayed: true
  bool retry_after = false;  // 503: Retry-After
};

using reply_fn = std::function<void(flow_reply reply)>;

// The answer an API error gets; 503s carry Retry-After.
flow_reply error_reply(protocol::api_errc code, std::string message, std::string param = {});

// 401 nonce_reused: the request's key id and nonce were used before within the window.
flow_reply nonce_reused_reply();

// The answer to a request whose idempotency key the merchant already used (`existing`): the
// stored answer replayed when the fingerprints agree and it is complete, 409
// idempotency_request_in_progress while it runs, 422 idempotency_key_reused for another request.
flow_reply idempotency_conflict(const clearing::layout::idempotency_record& existing,
                                const clearing::store::fingerprint128& fingerprint);

// One authenticated POST that got past parsing and found its idempotency key unused.
struct merchant_call {
  std::shared_ptr<const compiled_config> config;  // the snapshot it runs under; owns `merchant`
  const config::merchant* merchant = nullptr;
  clearing::merchant_request request;  // object_id is the flow's to fill
  clearing::store::executor ex;        // where every continuation runs
  std::shared_ptr<nonce_claim> nonce;  // carried by the request's first unit
  reply_fn reply;                      // called exactly once
};

class payment_flow {
 public:
  explicit payment_flow(switch_context& ctx) noexcept : ctx_(ctx) {}

  // POST /v1/payments: 201 with the payment (approved, declined by the channel or by the risk
  // limits, or failed), 503 when nothing could be started (store, numbers, HSM).
  void create(merchant_call call, protocol::create_payment_request body);
  // POST /v1/payments/{id}/capture, /void: 200 with the payment; 404, 409 invalid_state, 400.
  void capture(merchant_call call, std::string payment_id, protocol::capture_request body);
  void void_(merchant_call call, std::string payment_id);
  // POST /v1/payments/{id}/refunds: 201 with the refund; 404, 409, 400 (amount).
  void refund(merchant_call call, std::string payment_id, protocol::refund_request body);

  struct operation;  // one request in flight (payment_flow.cc)

 private:
  void change(merchant_call call, std::string payment_id,
              std::optional<protocol::capture_request> capture);
  void start(std::shared_ptr<operation> op);
  void send(std::shared_ptr<operation> op);
  void finish(std::shared_ptr<operation> op, const clearing::channel_outcome& outcome);
  void await_completion(std::shared_ptr<operation> op);
  void commit_final(std::shared_ptr<operation> op, clearing::final_step step);
  void decide(merchant_call call, const clearing::payment_transition& decided,
              std::optional<risk_ticket> ticket);
  void refuse(merchant_call call, const clearing::refusal& refusal);

  switch_context& ctx_;
};

}  // namespace sy::gateway
