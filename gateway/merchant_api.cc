// The merchant API's checks in the spec's order and its read endpoints; POSTs go to payment_flow.
#include "gateway/merchant_api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>

#include "clearing/book.h"
#include "clearing/ids.h"
#include "clearing/store/errc.h"
#include "config/limits.h"
#include "gateway/api_route.h"
#include "gateway/nonce_claim.h"
#include "gateway/request_auth.h"
#include "hsm/errc.h"
#include "hsm/request_signature.h"
#include "protocol/merchant_resources.h"

namespace sy::gateway {
namespace {

namespace store = clearing::store;
using protocol::api_errc;

// The endpoint a path names (route_label in gateway/metrics.h names them for /metrics).
struct endpoint_match {
  api_route route = api_route::other;
  std::string_view payment_id;  // the {id} of the path
  std::string_view allow;       // the methods the path takes (405's Allow)
};

// The path without its query; nullopt route other for a path the API does not define.
endpoint_match match_endpoint(std::string_view path) {
  constexpr std::string_view collection = "/v1/payments";
  if (path == collection) return {api_route::list, {}, "GET, POST"};
  if (!path.starts_with(collection) || path.size() <= collection.size() + 1 ||
      path[collection.size()] != '/') {
    return {};
  }
  std::string_view rest = path.substr(collection.size() + 1);
  const auto slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  if (id.empty()) return {};
  if (slash == std::string_view::npos) return {api_route::retrieve, id, "GET"};
  const std::string_view action = rest.substr(slash + 1);
  if (action == "capture") return {api_route::capture, id, "POST"};
  if (action == "void") return {api_route::void_, id, "POST"};
  if (action == "refunds") return {api_route::refund, id, "POST"};
  return {};
}

// Whether `method` is one of `allow` ("GET, POST"), exactly.
bool allows(std::string_view allow, std::string_view method) noexcept {
  for (;;) {
    const auto comma = allow.find(", ");
    if (allow.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) return false;
    allow.remove_prefix(comma + 2);
  }
}

// A signature that did not verify under a key the merchant could have meant; any other failure
// is the switch's own (its HSM) and answers 503, not 401.
bool is_signature_refusal(const error_code& ec) noexcept {
  return ec == hsm::errc::verification_failed || ec == hsm::errc::key_missing ||
         ec == hsm::errc::wrong_key_type;
}

bool is_printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool is_json_media_type(std::string_view value) noexcept {
  const auto semicolon = value.find(';');
  std::string_view type = value.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  constexpr std::string_view json = "application/json";
  return type.size() == json.size() &&
         std::equal(type.begin(), type.end(), json.begin(), [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? a + ('a' - 'A') : a) == b;
         });
}

// A parsed body into `into`, or its error into `invalid`.
template <class T>
void keep(result<T, protocol::api_error> parsed, std::optional<T>& into,
          std::optional<protocol::api_error>& invalid) {
  if (parsed) {
    into.emplace(std::move(*parsed));
  } else {
    invalid.emplace(std::move(parsed.error()));
  }
}

std::chrono::sys_seconds now_s() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

// ---- one request ------------------------------------------------------------------------------

struct merchant_api::call : std::enable_shared_from_this<call> {
  http_request request;
  store::executor ex;
  answer_fn answer;
  std::shared_ptr<const compiled_config> config;
  endpoint_match endpoint;
  std::string_view path;
  std::string_view query;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // Set once the signature verified: the answer is signed under the same key version.
  const config::merchant* merchant = nullptr;
  std::string key_id;
  std::uint32_t key_version = 0;
  std::string nonce;
  // Set once the nonce passed every check before it: written with the request's first unit, or
  // alone before its answer (gateway/nonce_claim.h).
  std::shared_ptr<nonce_claim> nonce_record;

  ~call() { OPENSSL_cleanse(request.body.data(), request.body.size()); }
};

namespace {

// The request's line in the log (docs/operations.md, "Logs"): ids, endpoint, status and time. No
// body, query or header value of the request goes in, so neither does card data; the method is
// cut short, and the HTTP parser admits only token characters in it.
void log_answer(const merchant_api::call& c, unsigned status, bool replayed,
                std::chrono::steady_clock::duration took) {
  const std::string_view merchant = c.merchant != nullptr ? c.merchant->id : std::string_view{};
  const std::string_view route = api_route_labels[static_cast<std::size_t>(c.endpoint.route)];
  std::fprintf(stderr,
               R"({"level":"info","component":"merchant_api","request_id":"%s","merchant":"%.*s",)"
               R"("key_id":"%s","method":"%.16s","route":"%.*s","status":%u,"replayed":%s,)"
               R"("ms":%.3f})"
               "\n",
               c.request.request_id.c_str(), static_cast<int>(merchant.size()), merchant.data(),
               c.key_id.c_str(), c.request.method.c_str(), static_cast<int>(route.size()),
               route.data(), status, replayed ? "true" : "false",
               std::chrono::duration<double, std::milli>(took).count());
}

// Sends `reply` with the API's headers, signed when the request's key is known, and records it.
void send_answer(switch_context& ctx, merchant_api::call& c, flow_reply reply) {
  http_answer a;
  a.status = reply.status;
  a.body = std::move(reply.body);
  a.headers.emplace_back("Request-Id", c.request.request_id);
  if (reply.replayed) a.headers.emplace_back("Idempotent-Replayed", "true");
  if (reply.retry_after) {
    a.headers.emplace_back("Retry-After", std::to_string(limits::http_retry_after_s));
  }
  if (a.status == 405) a.headers.emplace_back("Allow", std::string(c.endpoint.allow));
  if (c.merchant != nullptr) {
    const auto ts = now_s().time_since_epoch().count();
    auto signature = hsm::sign_response(c.config->merchants->keys(), {c.key_id, c.key_version},
                                        std::to_string(ts), c.nonce, a.body);
    if (signature) {
      a.headers.emplace_back("Sy-Signature", sy_signature_header(ts, *signature));
    } else {
      ctx.metrics.unsigned_answer();
    }
  }
  const auto took = std::chrono::steady_clock::now() - c.started;
  ctx.metrics.request_done(c.endpoint.route, a.status, took);
  log_answer(c, a.status, reply.replayed, took);
  c.answer(std::move(a));
}

// Answers `reply`, once the request's nonce is durable: a nonce nothing has written yet is
// written first, and a request whose nonce turns out used, or cannot be written, is refused.
void respond(switch_context& ctx, merchant_api::call& c, flow_reply reply) {
  auto unwritten = c.nonce_record ? c.nonce_record->take() : std::nullopt;
  if (!unwritten) return send_answer(ctx, c, std::move(reply));
  auto submitted = ctx.writer.submit(
      std::move(*unwritten), c.ex,
      [&ctx, c = c.shared_from_this(),
       reply = std::move(reply)](const store::commit_outcome& o) mutable {
        if (o.error) {
          reply = c->nonce_record->refused(o)
                      ? nonce_reused_reply()
                      : error_reply(api_errc::overloaded, "store: " + o.error.message());
        }
        send_answer(ctx, *c, std::move(reply));
      });
  if (!submitted) {
    send_answer(ctx, c, error_reply(api_errc::overloaded, "store: " + submitted.error().message()));
  }
}

void respond_error(switch_context& ctx, merchant_api::call& c, api_errc code, std::string message,
                   std::string param = {}) {
  respond(ctx, c, error_reply(code, std::move(message), std::move(param)));
}

}  // namespace

void merchant_api::handle(http_request request, store::executor ex, answer_fn answer) {
  auto c = std::make_shared<call>();
  c->request = std::move(request);
  c->ex = ex;
  c->answer = std::move(answer);
  c->config = ctx_.current();
  const std::string_view target = c->request.target;
  const auto question = target.find('?');
  c->path = target.substr(0, question);
  c->query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  c->endpoint = match_endpoint(c->path);
  const auto& method = c->request.method;
  // Outside /v1 no request is signed, so nothing can be answered signed.
  if (!c->path.starts_with("/v1/")) {
    return respond_error(ctx_, *c, api_errc::resource_missing,
                         "no such endpoint: " + std::string(c->path));
  }

  // Authentication: a malformed header, an unknown key and a bad signature answer alike.
  const auto credentials =
      c->request.authorization ? parse_authorization(*c->request.authorization) : std::nullopt;
  const auto* merchant =
      credentials ? c->config->merchants->merchant_of_key(credentials->key_id) : nullptr;
  if (merchant == nullptr) {
    return respond_error(ctx_, *c, api_errc::invalid_signature, "the request signature is invalid");
  }
  const hsm::signed_request signed_parts{method, target, credentials->timestamp, credentials->nonce,
                                         c->request.body};
  const auto version = hsm::verify_request_signature(
      c->config->merchants->keys(), credentials->key_id, signed_parts, credentials->signature);
  if (!version && !is_signature_refusal(version.error())) {
    return respond_error(ctx_, *c, api_errc::overloaded, "HSM: " + version.error().message());
  }
  if (!version) {
    return respond_error(ctx_, *c, api_errc::invalid_signature, "the request signature is invalid");
  }
  c->merchant = merchant;
  c->key_id = std::string(credentials->key_id);
  c->key_version = *version;
  c->nonce = std::string(credentials->nonce);
  if (const auto& pinned = merchant->client_certificate_sha256;
      !pinned.empty() && std::find(pinned.begin(), pinned.end(),
                                   c->request.client_certificate_sha256) == pinned.end()) {
    return respond_error(ctx_, *c, api_errc::client_certificate_invalid,
                         c->request.client_certificate_sha256.empty()
                             ? "this merchant's requests need a TLS client certificate"
                             : "this connection's TLS client certificate is not one of the "
                               "merchant's");
  }
  const auto now = now_s();
  if (std::abs(now.time_since_epoch().count() - credentials->timestamp_s) >
      limits::signature_timestamp_skew_s) {
    return respond_error(ctx_, *c, api_errc::timestamp_out_of_window,
                         "the signature's timestamp is more than " +
                             std::to_string(limits::signature_timestamp_skew_s) +
                             " s from the switch's clock (" +
                             std::to_string(now.time_since_epoch().count()) + ")");
  }
  if (!ctx_.rates.allow(merchant->id, merchant->rate, rate_limiter::clock::now())) {
    return respond_error(ctx_, *c, api_errc::rate_limited,
                         "too many requests; at most " +
                             std::to_string(merchant->rate.requests_per_s) + " per second");
  }
  const auto window = std::chrono::seconds{c->config->config->storage.nonce_window_s};
  c->nonce_record =
      std::make_shared<nonce_claim>(clearing::remember_nonce(c->key_id, c->nonce, now + window));
  authenticated(std::move(c));
}

// Endpoint and method are checked once the request is authenticated, so that their 404 and 405
// are signed like every other answer to a merchant.
void merchant_api::authenticated(std::shared_ptr<call> c) {
  auto& e = c->endpoint;
  const auto& method = c->request.method;
  if (e.route == api_route::other) {
    return respond_error(ctx_, *c, api_errc::resource_missing,
                         "no such endpoint: " + std::string(c->path));
  }
  if (e.route == api_route::list && method == "POST") e.route = api_route::create;
  if (!allows(e.allow, method)) {
    return respond_error(ctx_, *c, api_errc::method_not_allowed,
                         method + " is not allowed here; use " + std::string(e.allow));
  }
  const auto id = e.payment_id;
  if (!id.empty() && !clearing::parse_id(id, clearing::id_kind::payment)) {
    // Not an id the switch could have made (nor one the store could look up): no such payment.
    return respond_error(ctx_, *c, api_errc::resource_missing, "no such payment", "id");
  }
  if (c->request.method == "POST") return post(std::move(c));
  dispatch(std::move(c));
}

// GET /v1/payments/{id} and GET /v1/payments.
void merchant_api::dispatch(std::shared_ptr<call> c) {
  const clearing::book book(ctx_.env);
  if (c->endpoint.route == api_route::retrieve) {
    if (!c->query.empty()) {
      return respond_error(ctx_, *c, api_errc::parameter_unknown,
                           "GET /v1/payments/{id} takes no query parameters");
    }
    const std::string id(c->endpoint.payment_id);
    auto payment = book.payment(id);
    if (payment && payment->merchant_id == c->merchant->id) {
      return respond(ctx_, *c, {200, protocol::to_json(payment->resource), false, false});
    }
    if (!payment && payment.error() != store::errc::not_found &&
        payment.error() != store::errc::corrupt_record) {
      return respond_error(ctx_, *c, api_errc::overloaded, "store: " + payment.error().message());
    }
    // Another merchant's payment, or an id that is not one: the same 404.
    return respond_error(ctx_, *c, api_errc::resource_missing, "no such payment: " + id, "id");
  }
  auto query = protocol::parse_list_query(c->query);
  if (!query) {
    return respond(ctx_, *c,
                   error_reply(query.error().code, query.error().message, query.error().param));
  }
  auto page = book.payments_of(c->merchant->id, *query);
  if (!page) {
    return respond_error(ctx_, *c, api_errc::overloaded, "store: " + page.error().message());
  }
  std::vector<protocol::payment> data;
  data.reserve(page->data.size());
  for (auto& p : page->data) data.push_back(std::move(p.resource));
  respond(ctx_, *c, {200, protocol::list_to_json(data, page->has_more), false, false});
}

// The POSTs: idempotency key, content type, body, the key's record, then the flow.
void merchant_api::post(std::shared_ptr<call> c) {
  const auto& r = c->request;
  if (!c->query.empty()) {
    return respond_error(ctx_, *c, api_errc::parameter_unknown,
                         "POST takes its parameters in the JSON body, not the query string");
  }
  if (!r.idempotency_key) {
    return respond_error(ctx_, *c, api_errc::idempotency_key_missing,
                         "an Idempotency-Key header is required on every POST");
  }
  const std::string_view key = *r.idempotency_key;
  if (key.empty() || key.size() > limits::idempotency_key_size_max || !is_printable_ascii(key)) {
    return respond_error(ctx_, *c, api_errc::idempotency_key_invalid,
                         "the Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  if (!r.body.empty() && !(r.content_type && is_json_media_type(*r.content_type))) {
    return respond_error(ctx_, *c, api_errc::unsupported_media_type,
                         "the body must be JSON, sent with Content-Type: application/json");
  }
  // An empty body takes every default, as `{}` does.
  const std::string_view body = r.body.empty() ? std::string_view("{}") : std::string_view(r.body);
  const auto route = c->endpoint.route;
  std::optional<protocol::create_payment_request> create;
  std::optional<protocol::capture_request> capture;
  std::optional<protocol::refund_request> refund;
  std::optional<protocol::api_error> invalid;
  if (route == api_route::create) {
    keep(protocol::parse_create_payment(body), create, invalid);
  } else if (route == api_route::capture) {
    keep(protocol::parse_capture(body), capture, invalid);
  } else if (route == api_route::refund) {
    keep(protocol::parse_refund(body), refund, invalid);
  } else {
    std::optional<protocol::void_request> nothing;
    keep(protocol::parse_void(body), nothing, invalid);
  }
  if (invalid)
    return respond(ctx_, *c, error_reply(invalid->code, invalid->message, invalid->param));

  // The fingerprint is keyed (HMAC under the PAN token key) because the body may hold a card
  // number and the fingerprint is stored: a plain hash of it could be searched for the PAN.
  const auto& hsm_cfg = c->config->config->hsm;
  const std::string_view parts[] = {r.body};
  const auto keyed = ctx_.hsm.hmac({hsm_cfg.pan_token_key, 0}, hsm::key_type::pan_token, parts);
  if (!keyed)
    return respond_error(ctx_, *c, api_errc::overloaded, "HSM: " + keyed.error().message());
  const std::string_view digest(reinterpret_cast<const char*>(keyed->data()), keyed->size());
  const auto fingerprint = store::fingerprint(r.method, r.target, digest);

  const clearing::book book(ctx_.env);
  auto existing = book.idempotency(c->merchant->id, key);
  if (!existing) {
    return respond_error(ctx_, *c, api_errc::overloaded, "store: " + existing.error().message());
  }
  if (*existing) return respond(ctx_, *c, idempotency_conflict(**existing, fingerprint));

  const auto received = now_s();
  merchant_call m;
  m.config = c->config;
  m.merchant = c->merchant;
  m.request = {c->merchant->id,
               std::string(key),
               fingerprint,
               received,
               received + std::chrono::hours{c->config->config->storage.idempotency_retention_h},
               {}};
  m.ex = c->ex;
  m.nonce = c->nonce_record;
  m.reply = [this, c](flow_reply reply) { respond(ctx_, *c, std::move(reply)); };
  const std::string id(c->endpoint.payment_id);
  switch (route) {
    case api_route::create:
      return flow_.create(std::move(m), std::move(*create));
    case api_route::capture:
      return flow_.capture(std::move(m), id, *capture);
    case api_route::void_:
      return flow_.void_(std::move(m), id);
    case api_route::refund:
      return flow_.refund(std::move(m), id, std::move(*refund));
    default:
      break;
  }
}

}  // namespace sy::gateway
