// The merchant API's POSTs, step by step: each commit is durable before the next step starts, and
// the merchant's answer is the one stored with the final state.
#include "gateway/payment_flow.h"

#include <openssl/crypto.h>

#include <functional>
#include <utility>

#include "clearing/store/errc.h"
#include "config/assert.h"
#include "hsm/pan_protection.h"
#include "protocol/merchant_resources.h"
#include "routing/link/messages.h"

namespace sy::gateway {
namespace {

namespace store = clearing::store;
using clearing::now_ms;
namespace layout = clearing::layout;
using protocol::api_errc;

hsm::bytes_view bytes_of(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void wipe(std::string& s) noexcept {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

flow_reply unavailable(std::string what) {
  return error_reply(api_errc::overloaded, "the switch cannot take this request now (" + what +
                                               "); retry with the same Idempotency-Key");
}

flow_reply stored(const clearing::stored_response& r) {
  return {r.status, r.body, false, false};
}

// The API error a refused transition answers with (clearing/payment.h, refusal_code).
flow_reply refusal_reply(const clearing::refusal& r) {
  using clearing::refusal_code;
  const std::string message = clearing::describe(r);
  switch (r.code) {
    case refusal_code::invalid_state:
    case refusal_code::change_pending:
      return error_reply(api_errc::invalid_state, message);
    case refusal_code::amount_not_positive:
      return error_reply(api_errc::amount_too_small, message, "amount");
    case refusal_code::amount_too_large:
      return error_reply(api_errc::amount_too_large, message, "amount");
    case refusal_code::amount_exceeds_authorized:
    case refusal_code::amount_exceeds_refundable:
      return error_reply(api_errc::parameter_invalid_value, message, "amount");
  }
  return error_reply(api_errc::invalid_state, message);
}

}  // namespace

flow_reply error_reply(protocol::api_errc code, std::string message, std::string param) {
  const protocol::api_error e{code, std::move(message), std::move(param)};
  return {protocol::http_status_of(code), protocol::to_json(e), false,
          code == api_errc::overloaded};
}

flow_reply nonce_reused_reply() {
  return error_reply(api_errc::nonce_reused, "this nonce was already used with this key");
}

flow_reply idempotency_conflict(const layout::idempotency_record& existing,
                                const store::fingerprint128& fingerprint) {
  if (existing.fingerprint != fingerprint) {
    return error_reply(api_errc::idempotency_key_reused,
                       "this Idempotency-Key was used with another request (method, path or "
                       "body); use a new key for a new request");
  }
  if (existing.state == layout::idempotency_state::in_progress) {
    return error_reply(api_errc::idempotency_request_in_progress,
                       "a request with this Idempotency-Key is still running; retry later");
  }
  return {existing.status, existing.body, true, false};
}

// The answer when the commit of a merchant request's first unit did not apply: key_exists at
// the nonce it carries means a replay (401 nonce_reused); elsewhere, that another request with
// the same key committed first (replay, 409 or 422); record_changed that another request changed
// the payment meanwhile; anything else is the store's trouble.
static flow_reply refused_commit(const switch_context& ctx, const merchant_call& call,
                                 const store::commit_outcome& outcome) {
  if (call.nonce->refused(outcome)) return nonce_reused_reply();
  const auto& error = outcome.error;
  const auto& m = call.request;
  if (error == store::errc::key_exists) {
    const clearing::book book(ctx.env);
    auto existing = book.idempotency(m.merchant_id, m.idempotency_key);
    if (existing && *existing) return idempotency_conflict(**existing, m.fingerprint);
  }
  if (error == store::errc::record_changed || error == store::errc::key_exists) {
    return error_reply(
        api_errc::invalid_state,
        "another request changed this payment at the same time; retry to see its state");
  }
  return unavailable("store: " + error.message());
}

// ---- one operation in flight --------------------------------------------------------------------

struct payment_flow::operation {
  merchant_call call;
  layout::request_kind kind = layout::request_kind::payment;
  std::size_t channel = 0;  // its channel's number in call.config->channels
  std::optional<clearing::payment_record> before;
  clearing::payment_record payment;
  std::optional<clearing::refund_record> refund;
  layout::channel_request request;  // as the "sent" commit stored it
  std::optional<risk_ticket> ticket;
  routing::link::trace_numbers numbers;
  // The clear card number, for building the request only: wiped once it is sent (and at the
  // latest when the operation ends).
  std::string pan;
  protocol::create_payment_request create;  // POST /v1/payments only (its PAN wiped likewise)

  ~operation() {
    wipe(pan);
    if (auto* card = std::get_if<protocol::card_details>(&create.payment_method)) {
      wipe(card->number);
      if (card->cvc) wipe(*card->cvc);
    }
  }

  const channel_generation& channels() const { return call.config->channels; }
  bool is_bank() const { return channels().banks[channel] != nullptr; }
  const clearing::refund_record* refund_ptr() const { return refund ? &*refund : nullptr; }
};

void payment_flow::create(merchant_call call, protocol::create_payment_request body) {
  auto op = std::make_shared<operation>();
  op->create = std::move(body);
  op->call = std::move(call);
  const auto now = now_ms();
  auto id = ctx_.ids.next_text(clearing::id_kind::payment, now);
  if (!id) return op->call.reply(unavailable("no payment id could be made"));
  op->call.request.object_id = *id;
  const auto& merchant = *op->call.merchant;
  auto opened = clearing::open_payment(*id, merchant.id, op->create,
                                       std::chrono::floor<std::chrono::seconds>(now));
  if (!opened) return op->call.reply(refusal_reply(opened.error()));
  op->payment = std::move(*opened);

  const auto* card = std::get_if<protocol::card_details>(&op->create.payment_method);
  std::string token;
  if (card != nullptr) {
    const auto& hsm_cfg = op->call.config->config->hsm;
    auto sealed = hsm::protect_pan(ctx_.hsm, hsm_cfg.pan_token_key, hsm_cfg.pan_data_key,
                                   card->number, bytes_of(*id));
    if (!sealed) return op->call.reply(unavailable("card protection: " + sealed.error().message()));
    op->payment.pan_ciphertext.assign(sealed->ciphertext.begin(), sealed->ciphertext.end());
    op->pan = card->number;
    token = std::move(sealed->token);
  } else if (!op->create.capture) {
    return op->call.reply(error_reply(api_errc::parameter_invalid_value,
                                      "wallet payments are captured at once; capture must be true",
                                      "capture"));
  }

  const auto date = ctx_.calendar.date_of(now);
  risk_request risk{merchant.id, op->create.amount, std::nullopt, now, date};
  if (card != nullptr) risk.card = risk_card{card->number, token};
  auto admitted = ctx_.risk.admit(merchant.risk, risk);
  const auto stamp = ctx_.stamp(now);
  if (!stamp) return op->call.reply(unavailable("no event id could be made"));
  if (!admitted) {
    ctx_.metrics.risk_declined(admitted.error());
    auto declined = clearing::apply_outcome(
        op->payment, clearing::channel_declined{admitted.error(), std::nullopt}, *stamp);
    SY_VERIFY(declined.has_value());  // a new payment is pending
    return decide(std::move(op->call), *declined, std::nullopt);
  }
  op->ticket = *admitted;

  const auto& routes = op->call.config->routes;
  routing::route_request wanted{
      card != nullptr ? config::payment_method::card : config::payment_method::wallet,
      card != nullptr ? std::string_view(card->number) : std::string_view{},
      op->create.amount.currency,
      op->create.amount.amount,
      merchant.id,
      std::hash<std::string>{}(*id)};
  auto plan = routes.plan(wanted);
  const auto picked = plan.next(op->channels().health, routing::channel_health::clock::now());
  if (!picked) {
    // No rule matches, or none of its channels is up: nothing is sent, the payment fails.
    auto failed = clearing::apply_outcome(
        op->payment, clearing::channel_failed{protocol::decline::issuer_unavailable}, *stamp);
    SY_VERIFY(failed.has_value());
    return decide(std::move(op->call), *failed, op->ticket);
  }
  op->channel = *picked;
  op->kind = layout::request_kind::payment;
  start(std::move(op));
}

void payment_flow::capture(merchant_call call, std::string payment_id,
                           protocol::capture_request body) {
  change(std::move(call), std::move(payment_id), std::move(body));
}

// The calling merchant's payment `payment_id`; nullopt once `call` is answered: 404 for no such
// payment (or another merchant's: the same answer), 503 when the store cannot say.
static std::optional<clearing::payment_record> merchant_payment(switch_context& ctx,
                                                                merchant_call& call,
                                                                const std::string& payment_id) {
  const clearing::book book(ctx.env);
  auto payment = book.payment(payment_id);
  if (payment && payment->merchant_id == call.merchant->id) return std::move(*payment);
  if (!payment && payment.error() != store::errc::not_found) {
    call.reply(unavailable("store: " + payment.error().message()));
  } else {
    call.reply(error_reply(api_errc::resource_missing, "no such payment: " + payment_id));
  }
  return std::nullopt;
}

void payment_flow::void_(merchant_call call, std::string payment_id) {
  change(std::move(call), std::move(payment_id), std::nullopt);
}

// A capture (`capture` set) or a void of an authorized payment.
void payment_flow::change(merchant_call call, std::string payment_id,
                          std::optional<protocol::capture_request> capture) {
  auto payment = merchant_payment(ctx_, call, payment_id);
  if (!payment) return;
  call.request.object_id = payment_id;
  auto changed =
      capture ? clearing::begin_capture(*payment, *capture) : clearing::begin_void(*payment);
  if (!changed) return refuse(std::move(call), changed.error());
  auto op = std::make_shared<operation>();
  op->call = std::move(call);
  op->kind = capture ? layout::request_kind::capture : layout::request_kind::void_;
  op->before = std::move(*payment);
  op->payment = std::move(*changed);
  start(std::move(op));
}

void payment_flow::refund(merchant_call call, std::string payment_id,
                          protocol::refund_request body) {
  auto payment = merchant_payment(ctx_, call, payment_id);
  if (!payment) return;
  const auto now = now_ms();
  auto refund_id = ctx_.ids.next_text(clearing::id_kind::refund, now);
  if (!refund_id) return call.reply(unavailable("no refund id could be made"));
  auto started = clearing::begin_refund(*payment, body, *refund_id,
                                        std::chrono::floor<std::chrono::seconds>(now));
  if (!started) return refuse(std::move(call), started.error());
  call.request.object_id = *refund_id;
  auto op = std::make_shared<operation>();
  op->call = std::move(call);
  op->kind = layout::request_kind::refund;
  op->before = std::move(*payment);
  op->payment = std::move(started->payment);
  op->refund = std::move(started->refund);
  start(std::move(op));
}

// ---- the "sent" commit and the channel ------------------------------------------------------

// Numbers the request, writes the "sent" record (the payment, refund and channel request with
// the merchant's in-progress idempotency record) and, once it is durable, sends.
void payment_flow::start(std::shared_ptr<operation> op) {
  const auto now = now_ms();
  if (op->kind != layout::request_kind::payment) {
    // A later request goes to the channel the payment was routed to.
    const auto& channel = op->payment.resource.channel;
    const auto number = channel ? op->channels().health.index_of(*channel) : std::nullopt;
    if (!number) {
      return op->call.reply(
          error_reply(api_errc::invalid_state, "the payment's channel is no longer configured"));
    }
    op->channel = *number;
  }
  auto& p = op->payment;
  const bool bank = op->is_bank();
  if (!bank &&
      (op->kind == layout::request_kind::capture || op->kind == layout::request_kind::void_)) {
    return op->call.reply(error_reply(
        api_errc::invalid_state,
        "wallet payments are captured at once; they cannot be " +
            std::string(op->kind == layout::request_kind::void_ ? "voided" : "captured again")));
  }
  auto& r = op->request;
  r.kind = op->kind;
  r.state = layout::request_state::sent;
  r.channel = op->call.config->config->channels[op->channel].id;
  r.merchant_id = op->call.merchant->id;
  r.payment_id = p.resource.id;
  r.idempotency_key = op->call.request.idempotency_key;
  r.sent_at = now;
  r.pan_ciphertext = p.pan_ciphertext;
  if (bank) {
    auto numbers = op->channels().banks[op->channel]->numbers(ctx_.calendar.date_of(now));
    if (!numbers) {
      if (op->ticket) ctx_.risk.settle(*op->ticket, false);
      return op->call.reply(unavailable("trace numbers: " + numbers.error().message()));
    }
    op->numbers = *numbers;
    r.stan = std::string(numbers->stan());
    r.rrn = std::string(numbers->rrn());
  }
  switch (op->kind) {
    case layout::request_kind::payment:
      p.resource.channel = r.channel;
      p.resource.rrn = r.rrn;
      p.stan = r.stan;
      r.mti = bank ? (p.capture ? "0200" : "0100") : "charge";
      r.amount = p.resource.amount;
      break;
    case layout::request_kind::capture:
    case layout::request_kind::void_:
      p.change->rrn = r.rrn;
      p.change->stan = r.stan;
      r.mti = op->kind == layout::request_kind::capture ? "0220" : "0400";
      r.amount = {p.change->amount, p.resource.amount.currency};
      break;
    case layout::request_kind::refund:
      op->refund->rrn = r.rrn;
      op->refund->stan = r.stan;
      r.refund_id = op->refund->resource.id;
      r.mti = bank ? "0200" : "refund";
      r.amount = op->refund->resource.amount;
      break;
  }
  const clearing::sent_step step{op->call.request, op->before, p, op->refund, r};
  auto ex = op->call.ex;
  auto submitted = ctx_.writer.submit(op->call.nonce->carry(clearing::sent(step)), ex,
                                      [this, op](const store::commit_outcome& o) mutable {
                                        if (!o.error) return send(std::move(op));
                                        if (op->ticket) ctx_.risk.settle(*op->ticket, false);
                                        op->call.reply(refused_commit(ctx_, op->call, o));
                                      });
  if (!submitted) {
    if (op->ticket) ctx_.risk.settle(*op->ticket, false);
    op->call.nonce->unsubmitted();
    op->call.reply(unavailable("store: " + submitted.error().message()));
  }
}

// The PAN of a later request, from the payment's sealed copy.
static result<std::string> revealed_pan(switch_context& ctx, const compiled_config& cfg,
                                        const clearing::payment_record& p) {
  auto pan = hsm::reveal_pan(ctx.hsm, cfg.config->hsm.pan_data_key, bytes_of(p.pan_ciphertext),
                             bytes_of(p.resource.id));
  if (!pan) return pan.error();
  return std::string(pan->text());
}

void payment_flow::send(std::shared_ptr<operation> op) {
  if (!op->is_bank()) {
    auto* wallet = op->channels().wallets[op->channel];
    routing::http::wallet_request w;
    w.merchant_id = op->call.merchant->id;
    if (op->kind == layout::request_kind::payment) {
      const auto& details = std::get<protocol::wallet_details>(op->create.payment_method);
      w.op = routing::http::operation::charge;
      w.id = op->payment.resource.id;
      w.amount = op->payment.resource.amount;
      w.provider = details.provider;
      w.account = details.account;
      w.description = op->payment.resource.description.value_or("");
    } else {
      w.op = routing::http::operation::refund;
      w.id = op->refund->resource.id;
      w.charge_id = op->payment.resource.id;
      w.amount = op->refund->resource.amount;
      w.description = op->refund->resource.reason.value_or("");
    }
    return wallet->send(std::move(w), op->call.ex, [this, op](routing::http::channel_result r) {
      using routing::http::result_kind;
      // Accepted, or no trusted answer: the provider completes it later (callback or status
      // query); a wallet request is never reversed.
      if (r.kind == result_kind::accepted || r.kind == result_kind::timed_out) {
        return await_completion(op);
      }
      finish(op, r.outcome.value_or(clearing::channel_failed{}));
    });
  }
  if (op->kind == layout::request_kind::void_) {
    // A void is a reversal of the authorization: store-and-forward delivers it, repeating it
    // until the bank acknowledges, so it is final for the merchant once queued.
    return finish(std::move(op), clearing::channel_timed_out{});
  }
  auto* link = op->channels().banks[op->channel];
  const auto& p = op->payment;
  const auto* summary = std::get_if<protocol::card_summary>(&p.resource.payment_method);
  if (op->pan.empty()) {
    auto pan = revealed_pan(ctx_, *op->call.config, p);
    if (!pan) {
      // Nothing was sent: the request fails as unsent.
      return finish(std::move(op), clearing::channel_failed{protocol::decline::system_malfunction});
    }
    op->pan = std::move(*pan);
  }
  const routing::link::card_data card{op->pan, summary->exp_month, summary->exp_year};
  const std::string_view mcc = op->call.merchant->mcc;
  routing::io::outgoing_request out{
      {},
      op->numbers,
      ctx_.calendar.local_time_of(std::chrono::floor<std::chrono::seconds>(op->request.sent_at))};
  switch (op->kind) {
    case layout::request_kind::payment:
      out.request = routing::link::payment_request(p, card, mcc);
      break;
    case layout::request_kind::capture:
      out.request = routing::link::capture_request(p, card, mcc);
      break;
    case layout::request_kind::refund:
      out.request = routing::link::refund_request(p, *op->refund, card, mcc);
      break;
    case layout::request_kind::void_:
      SY_VERIFY(false);
  }
  link->send(out, op->call.ex,
             [this, op](routing::io::exchange_result r) { finish(op, r.outcome); });
  wipe(op->pan);  // the frame is built: the PAN goes nowhere else
}

// ---- the final commit -------------------------------------------------------------------------

void payment_flow::finish(std::shared_ptr<operation> op, const clearing::channel_outcome& outcome) {
  const auto stamp = ctx_.stamp(now_ms());
  if (!stamp) return op->call.reply(unavailable("no event id could be made"));
  const clearing::book book(ctx_.env);
  const clearing::open_request open{layout::channel_request_key(op->request), op->request};
  auto step = clearing::complete(book, open, outcome, *stamp);
  if (!step) return op->call.reply(unavailable("store: " + step.error().message()));
  commit_final(std::move(op), std::move(*step));
}

// A wallet request the provider will complete later: the payment (or refund) stays pending, the
// merchant is answered with it, and the request waits as awaiting_completion.
void payment_flow::await_completion(std::shared_ptr<operation> op) {
  clearing::final_step step;
  step.before = op->payment;
  step.payment = op->payment;
  step.refund_before = op->refund;
  step.refund = op->refund;
  step.request = op->request;
  step.end = clearing::request_end::awaiting_completion;
  step.merchant = op->call.request;
  step.response = clearing::merchant_answer(op->kind, op->payment, op->refund_ptr());
  commit_final(std::move(op), std::move(step));
}

void payment_flow::commit_final(std::shared_ptr<operation> op, clearing::final_step step) {
  auto answer = step.response ? *step.response
                              : clearing::merchant_answer(op->kind, step.payment,
                                                          step.refund ? &*step.refund : nullptr);
  const bool approved = step.payment.resource.status == protocol::payment_status::captured ||
                        step.payment.resource.status == protocol::payment_status::authorized;
  std::optional<clearing::open_request> reversal;
  if (step.end == clearing::request_end::reversal_due) reversal = clearing::kept_request(step);
  auto submitted =
      ctx_.writer.submit(clearing::finished(step), op->call.ex,
                         [this, op, answer = std::move(answer), approved,
                          reversal = std::move(reversal)](const store::commit_outcome& o) mutable {
                           if (op->ticket) ctx_.risk.settle(*op->ticket, !o.error && approved);
                           if (o.error) {
                             // The request stays "sent" in the book: recovery at the next start
                             // ends it (and a bank request is reversed); a retry with the key
                             // answers 409 until then.
                             ctx_.metrics.final_commit_failed();
                             return op->call.reply(unavailable("store: " + o.error.message()));
                           }
                           if (reversal) {
                             ctx_.channels.add_reversal(op->request.channel, std::move(*reversal));
                           }
                           op->call.reply(stored(answer));
                         });
  if (!submitted) {
    if (op->ticket) ctx_.risk.settle(*op->ticket, false);
    ctx_.metrics.final_commit_failed();
    op->call.reply(unavailable("store: " + submitted.error().message()));
  }
}

// ---- answers without a channel ----------------------------------------------------------------

void payment_flow::decide(merchant_call call, const clearing::payment_transition& decided,
                          std::optional<risk_ticket> ticket) {
  const auto answer =
      clearing::merchant_answer(layout::request_kind::payment, decided.payment, nullptr);
  // The unit is built before `call` moves into the completion.
  auto unit = call.nonce->carry(clearing::decided(call.request, decided, answer));
  auto reply = call.reply;
  auto nonce = call.nonce;
  const auto ex = call.ex;
  auto submitted = ctx_.writer.submit(
      std::move(unit), ex,
      [this, call = std::move(call), answer, ticket](const store::commit_outcome& o) {
        if (ticket) ctx_.risk.settle(*ticket, false);
        call.reply(o.error ? refused_commit(ctx_, call, o) : stored(answer));
      });
  if (!submitted) {
    if (ticket) ctx_.risk.settle(*ticket, false);
    nonce->unsubmitted();
    reply(unavailable("store: " + submitted.error().message()));
  }
}

// A refused transition is the request's final answer: stored, so a retry replays it.
void payment_flow::refuse(merchant_call call, const clearing::refusal& refusal) {
  const auto reply = refusal_reply(refusal);
  const clearing::stored_response answer{static_cast<std::uint16_t>(reply.status), reply.body};
  auto unit = call.nonce->carry(clearing::answered(call.request, answer));  // before `call` moves
  auto done = call.reply;
  auto nonce = call.nonce;
  const auto ex = call.ex;
  auto submitted = ctx_.writer.submit(
      std::move(unit), ex, [this, call = std::move(call), reply](const store::commit_outcome& o) {
        call.reply(o.error ? refused_commit(ctx_, call, o) : reply);
      });
  if (!submitted) {
    nonce->unsubmitted();
    done(unavailable("store: " + submitted.error().message()));
  }
}

}  // namespace sy::gateway
