// The simulated wallet provider's rules, records, faults and signatures.
#include "routing/sim/wallet_responder.h"

#include <cstdio>
#include <functional>

#include "config/limits.h"
#include "hsm/primitives.h"
#include "routing/http/provider_signature.h"

namespace sy::routing::sim {
namespace {

hsm::bytes_view secret_of(const wallet_config& c) {
  return hsm::as_bytes(c.secret_bytes);
}

bool fresh(std::string_view timestamp, std::int64_t now_s) {
  if (timestamp.empty() || timestamp.size() > 12) return false;
  std::int64_t ts = 0;
  for (const char c : timestamp) {
    if (c < '0' || c > '9') return false;
    ts = ts * 10 + (c - '0');
  }
  const std::int64_t skew = ts > now_s ? ts - now_s : now_s - ts;
  return skew <= limits::signature_timestamp_skew_s;
}

bool ends_with_digits(std::int64_t amount, std::string_view suffix) {
  const std::string text = std::to_string(amount);
  return text.size() >= suffix.size() && std::string_view(text).ends_with(suffix);
}

}  // namespace

wallet_responder::wallet_responder(wallet_config config)
    : config_(std::move(config)),
      latency_(config_.latency, fault_settings{}, config_.seed),
      random_(config_.seed ^ 0x77616c6c6574ULL) {}

double wallet_responder::draw() noexcept {
  // 53 random bits as a double in [0, 1): the same on every platform, unlike the distributions.
  return static_cast<double>(random_() >> 11) * 0x1.0p-53;
}

void wallet_responder::sign(wallet_answer& a, std::string_view nonce, std::int64_t now_s) {
  a.timestamp = std::to_string(now_s);
  const std::string status = std::to_string(a.status);
  const auto parts = http::string_to_sign(http::answer_parts{a.timestamp, nonce, status, a.body});
  auto signature = http::sign_with_secret(secret_of(config_), http::answer_span(parts));
  // HMAC under a validated key fails only when OpenSSL itself fails: the answer goes unsigned,
  // which the switch treats as no answer.
  if (signature) a.signature = std::move(*signature);
}

wallet_answer wallet_responder::error_answer(unsigned status, std::string_view code,
                                             std::string_view nonce, std::int64_t now_s) {
  wallet_answer a;
  a.status = status;
  a.body = "{\"error\":{\"code\":\"" + std::string(code) + "\"}}";
  sign(a, nonce, now_s);
  return a;
}

wallet_answer wallet_responder::object_answer(const record& r, std::string_view nonce,
                                              std::int64_t now_s) {
  wallet_answer a;
  a.status = r.object.status == http::provider_status::pending ? 202 : 200;
  a.body = http::object_body(r.object);
  sign(a, nonce, now_s);
  return a;
}

wallet_answer wallet_responder::answer(const wallet_http_request& q, std::int64_t now_s) {
  ++stats_.requests;
  const auto parts =
      http::string_to_sign(http::request_parts{q.timestamp, q.nonce, q.method, q.target, q.body});
  if (!fresh(q.timestamp, now_s) || !http::is_nonce(q.nonce) ||
      !http::verify_with_secret(secret_of(config_), parts, q.signature)) {
    ++stats_.bad_signatures;
    return error_answer(401, "invalid_signature", q.nonce, now_s);
  }
  const bool post_method = q.method == "POST";
  const bool get_method = q.method == "GET";
  if (post_method && q.target == "/charges") return post(http::operation::charge, q, now_s);
  if (post_method && q.target == "/refunds") return post(http::operation::refund, q, now_s);
  if (get_method && q.target.starts_with("/charges/")) {
    return status(http::operation::charge, q.target.substr(9), q.nonce, now_s);
  }
  if (get_method && q.target.starts_with("/refunds/")) {
    return status(http::operation::refund, q.target.substr(9), q.nonce, now_s);
  }
  ++stats_.invalid;
  return error_answer(404, "resource_missing", q.nonce, now_s);
}

wallet_answer wallet_responder::status(http::operation op, std::string_view id,
                                       std::string_view nonce, std::int64_t now_s) {
  ++stats_.status_queries;
  const auto& records = records_of(op);
  const auto found = records.find(std::string(id));
  if (found == records.end()) return error_answer(404, "resource_missing", nonce, now_s);
  return object_answer(found->second, nonce, now_s);
}

void wallet_responder::decide(const http::wallet_request& q, record& r) {
  r.final_status = http::provider_status::succeeded;
  if (q.op == http::operation::charge) {
    for (const auto& rule : config_.rules.fail_amount) {
      if (!ends_with_digits(q.amount.amount, rule.suffix)) continue;
      r.final_status = http::provider_status::failed;
      r.final_reason = rule.reason;
      break;
    }
    return;
  }
  const auto charge = charges_.find(q.charge_id);
  if (charge == charges_.end() ||
      charge->second.object.status != http::provider_status::succeeded ||
      charge->second.object.amount.currency != q.amount.currency) {
    r.final_status = http::provider_status::failed;
    r.final_reason = "do_not_honor";
  } else if (q.amount.amount > charge->second.object.amount.amount - charge->second.refunded) {
    r.final_status = http::provider_status::failed;
    r.final_reason = "amount_limit_exceeded";
  } else {
    charge->second.refunded += q.amount.amount;
  }
}

wallet_answer wallet_responder::post(http::operation op, const wallet_http_request& q,
                                     std::int64_t now_s) {
  const auto request = http::parse_request(op, q.body);
  if (!request) {
    ++stats_.invalid;
    return error_answer(400, "invalid_request", q.nonce, now_s);
  }
  auto& records = records_of(op);
  const std::size_t hash = std::hash<std::string_view>{}(q.body);
  if (const auto known = records.find(request->id); known != records.end()) {
    if (known->second.body_hash != hash) {
      ++stats_.conflicts;
      return error_answer(409, "idempotency_conflict", q.nonce, now_s);
    }
    ++stats_.replays;
    auto a = object_answer(known->second, q.nonce, now_s);
    a.delay = latency_.draw_latency();
    return a;
  }
  const double u = draw();
  const auto& f = config_.faults;
  if (u >= f.timeout_rate && u < f.timeout_rate + f.server_error_rate) {
    ++stats_.server_errors;
    return error_answer(500, "internal_error", q.nonce, now_s);
  }
  if (charges_.size() + refunds_.size() >= limits::sim_wallet_record_count_max) {
    ++stats_.full;
    return error_answer(503, "overloaded", q.nonce, now_s);
  }
  record r;
  r.body_hash = hash;
  decide(*request, r);
  r.object = {op,
              request->id,
              request->charge_id,
              http::provider_status::pending,
              "wal_" + std::to_string(next_reference_++),
              std::nullopt,
              request->amount};
  ++(op == http::operation::charge ? stats_.charges : stats_.refunds);
  const bool async = config_.mode == wallet_mode::async;
  if (!async) {
    r.object.status = r.final_status;
    r.object.failure_reason = r.final_reason;
    ++(r.final_status == http::provider_status::succeeded ? stats_.succeeded : stats_.failed);
  }
  const auto& stored = records.emplace(request->id, std::move(r)).first->second;
  auto a = object_answer(stored, q.nonce, now_s);
  a.delay = latency_.draw_latency();
  if (async) {
    a.completion =
        wallet_completion{op, request->id, std::chrono::milliseconds(config_.callback_delay_ms)};
  }
  if (u < f.timeout_rate) {
    ++stats_.timeouts;
    a.respond = false;
  } else if (u < f.timeout_rate + f.server_error_rate + f.malformed_rate) {
    ++stats_.malformed_sent;
    a.body = "{\"object\":\"charge\",\"id\":";  // cut short: not JSON
    sign(a, q.nonce, now_s);
  }
  return a;
}

std::optional<wallet_callback> wallet_responder::complete(http::operation op, const std::string& id,
                                                          std::int64_t now_s) {
  auto& records = records_of(op);
  const auto found = records.find(id);
  if (found == records.end() || found->second.object.status != http::provider_status::pending) {
    return std::nullopt;
  }
  auto& r = found->second;
  r.object.status = r.final_status;
  r.object.failure_reason = r.final_reason;
  ++(r.final_status == http::provider_status::succeeded ? stats_.succeeded : stats_.failed);
  if (draw() < config_.faults.lost_callback_rate) {
    ++stats_.callbacks_lost;
    return std::nullopt;
  }
  auto nonce = http::make_nonce();
  const auto url = http::parse_base_url(config_.callback_url);
  if (!nonce || !url) return std::nullopt;
  wallet_callback c;
  c.path = url->prefix.empty() ? "/" : url->prefix;
  c.body = http::object_body(r.object);
  c.timestamp = std::to_string(now_s);
  c.nonce = std::move(*nonce);
  const auto parts =
      http::string_to_sign(http::request_parts{c.timestamp, c.nonce, "POST", c.path, c.body});
  auto signature = http::sign_with_secret(secret_of(config_), parts);
  if (!signature) return std::nullopt;
  c.signature = std::move(*signature);
  return c;
}

}  // namespace sy::routing::sim
