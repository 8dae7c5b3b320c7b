// The provider protocol's messages (Boost.JSON) and the meaning of answers and callbacks.
#include "routing/http/provider_protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "config/limits.h"
#include "protocol/currency.h"
#include "protocol/payment_types.h"
#include "routing/http/errc.h"
#include "routing/http/provider_signature.h"

namespace sy::routing::http {
namespace {

namespace json = boost::json;

// A JSON object of at most `limits::provider_object_member_count_max` members, or null.
const json::object* parse_json_object(std::string_view body, json::value& storage) {
  json::parse_options options;
  options.max_depth = limits::json_depth_max;
  boost::system::error_code ec;
  storage = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec) return nullptr;
  const auto* object = storage.if_object();
  if (object == nullptr || object->size() > limits::provider_object_member_count_max) {
    return nullptr;
  }
  return object;
}

// The string member `key` of 1 to `size_max` characters (0 allowed when `optional_empty`).
std::optional<std::string> text(const json::object& o, std::string_view key, std::size_t size_max,
                                bool may_be_empty = false) {
  const auto* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  if (s.size() > size_max || (s.empty() && !may_be_empty)) return std::nullopt;
  return std::string(s.data(), s.size());
}

std::optional<std::int64_t> positive_amount(const json::object& o) {
  const auto* v = o.if_contains("amount");
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  const std::int64_t a = v->get_int64();
  if (a <= 0 || a > limits::amount_minor_max) return std::nullopt;
  return a;
}

std::optional<protocol::money> money_of(const json::object& o) {
  const auto amount = positive_amount(o);
  const auto code = text(o, "currency", 3);
  if (!amount || !code) return std::nullopt;
  const auto currency = protocol::find_currency(*code);
  if (!currency) return std::nullopt;
  return protocol::money{*amount, *currency};
}

std::optional<provider_status> status_from(std::string_view s) {
  if (s == "succeeded") return provider_status::succeeded;
  if (s == "failed") return provider_status::failed;
  if (s == "pending") return provider_status::pending;
  return std::nullopt;
}

std::optional<operation> operation_from(std::string_view s) {
  if (s == "charge") return operation::charge;
  if (s == "refund") return operation::refund;
  return std::nullopt;
}

json::string_view jv(std::string_view s) {
  return {s.data(), s.size()};
}

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The result of a 200 or 202 whose signature verified.
channel_result interpret_object(const answer_expectation& expected, unsigned status,
                                std::string_view body) {
  const auto object = parse_object(body);
  if (!object || object->op != expected.op || object->id != expected.id ||
      (expected.amount && object->amount != *expected.amount) ||
      (status == 202 && object->status != provider_status::pending)) {
    return timed_out(errc::malformed_answer);
  }
  if (object->status == provider_status::pending) {
    return {result_kind::accepted, std::nullopt, object->reference, {}};
  }
  return {result_kind::answered, outcome_of(*object), object->reference, {}};
}

}  // namespace

channel_result not_sent(error_code why) {
  return {result_kind::not_sent,
          clearing::channel_failed{protocol::decline::issuer_unavailable},
          {},
          why};
}

channel_result timed_out(error_code why) {
  return {result_kind::timed_out, clearing::channel_timed_out{}, {}, why};
}

result<base_url> parse_base_url(std::string_view text) {
  base_url out;
  std::string_view rest;
  if (text.starts_with("https://")) {
    out.tls = true;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return make_error_code(errc::bad_request_value);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (prefix.find_first_of("?#") != std::string_view::npos) {
    return make_error_code(errc::bad_request_value);
  }
  out.port = out.tls ? 443 : 80;
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    const auto port = authority.substr(colon + 1);
    unsigned value = 0;
    if (!digits(port) || port.size() > 5 ||
        std::from_chars(port.data(), port.data() + port.size(), value).ec != std::errc{} ||
        value == 0 || value > 65535) {
      return make_error_code(errc::bad_request_value);
    }
    out.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty() || authority.size() > limits::config_host_size_max) {
    return make_error_code(errc::bad_request_value);
  }
  out.host = std::string(authority);
  out.prefix = std::string(prefix);
  return out;
}

std::string request_target(const base_url& base, operation op) {
  return base.prefix + (op == operation::charge ? "/charges" : "/refunds");
}

std::string status_target(const base_url& base, operation op, std::string_view id) {
  return request_target(base, op) + "/" + std::string(id);
}

bool is_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > limits::object_id_size_max) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<std::string> request_body(const wallet_request& r) {
  const bool refund = r.op == operation::refund;
  if (!is_request_id(r.id) || (refund && !is_request_id(r.charge_id)) ||
      r.amount.currency.numeric == 0) {
    return make_error_code(errc::bad_request_value);
  }
  json::object o;
  o["id"] = jv(r.id);
  if (refund) o["charge_id"] = jv(r.charge_id);
  o["amount"] = r.amount.amount;
  o["currency"] = jv(r.amount.currency.code());
  if (!refund) {
    o["provider"] = jv(r.provider);
    o["account"] = jv(r.account);
  }
  o["merchant_id"] = jv(r.merchant_id);
  o[refund ? "reason" : "description"] = jv(r.description);
  return json::serialize(o);
}

result<wallet_request> parse_request(operation op, std::string_view body) {
  json::value storage;
  const auto* o = parse_json_object(body, storage);
  if (o == nullptr) return make_error_code(errc::bad_request_value);
  wallet_request r;
  r.op = op;
  const bool refund = op == operation::refund;
  const auto id = text(*o, "id", limits::object_id_size_max);
  const auto money = money_of(*o);
  const auto merchant = text(*o, "merchant_id", limits::config_id_size_max);
  const auto note = text(*o, refund ? "reason" : "description", limits::description_size_max, true);
  if (!id || !is_request_id(*id) || !money || !merchant || !note) {
    return make_error_code(errc::bad_request_value);
  }
  r.id = *id;
  r.amount = *money;
  r.merchant_id = *merchant;
  r.description = *note;
  if (refund) {
    const auto charge = text(*o, "charge_id", limits::object_id_size_max);
    if (!charge || !is_request_id(*charge)) return make_error_code(errc::bad_request_value);
    r.charge_id = *charge;
    return r;
  }
  const auto provider = text(*o, "provider", limits::wallet_provider_size_max);
  const auto account = text(*o, "account", limits::wallet_account_size_max);
  if (!provider || !account) return make_error_code(errc::bad_request_value);
  r.provider = *provider;
  r.account = *account;
  return r;
}

std::string object_body(const provider_object& p) {
  json::object o;
  o["object"] = jv(to_string(p.op));
  o["id"] = jv(p.id);
  if (p.op == operation::refund) o["charge_id"] = jv(p.charge_id);
  o["status"] = jv(to_string(p.status));
  o["reference"] = jv(p.reference);
  o["amount"] = p.amount.amount;
  o["currency"] = jv(p.amount.currency.code());
  if (p.failure_reason) o["failure_reason"] = jv(*p.failure_reason);
  return json::serialize(o);
}

result<provider_object> parse_object(std::string_view body) {
  json::value storage;
  const auto* o = parse_json_object(body, storage);
  if (o == nullptr) return make_error_code(errc::malformed_answer);
  const auto kind = text(*o, "object", 8);
  const auto id = text(*o, "id", limits::object_id_size_max);
  const auto status = text(*o, "status", 16);
  const auto reference = text(*o, "reference", limits::provider_reference_size_max);
  const auto money = money_of(*o);
  provider_object p;
  const auto op = kind ? operation_from(*kind) : std::nullopt;
  const auto st = status ? status_from(*status) : std::nullopt;
  if (!op || !id || !st || !reference || !money) return make_error_code(errc::malformed_answer);
  p.op = *op;
  p.id = *id;
  p.status = *st;
  p.reference = *reference;
  p.amount = *money;
  if (p.op == operation::refund) {
    const auto charge = text(*o, "charge_id", limits::object_id_size_max);
    if (!charge) return make_error_code(errc::malformed_answer);
    p.charge_id = *charge;
  }
  if (o->contains("failure_reason")) {
    p.failure_reason = text(*o, "failure_reason", limits::provider_reason_size_max);
    if (!p.failure_reason) return make_error_code(errc::malformed_answer);
  }
  if (p.status == provider_status::failed && !p.failure_reason) {
    return make_error_code(errc::malformed_answer);
  }
  return p;
}

clearing::channel_outcome outcome_of(const provider_object& object) {
  if (object.status == provider_status::succeeded) {
    return clearing::channel_approved{object.reference, "00"};
  }
  const auto code =
      object.failure_reason ? protocol::decline_from_string(*object.failure_reason) : std::nullopt;
  return clearing::channel_declined{code.value_or(protocol::decline::do_not_honor), std::nullopt};
}

channel_result interpret_answer(hsm::backend& hsm, std::string_view key_name,
                                std::string_view request_nonce, const answer_expectation& expected,
                                const received_answer& answer) {
  const std::string status = std::to_string(answer.status);
  const auto parts =
      string_to_sign(answer_parts{answer.timestamp, request_nonce, status, answer.body});
  if (const auto ok = verify(hsm, key_name, answer_span(parts), answer.signature); !ok) {
    return timed_out(ok.error());
  }
  switch (answer.status) {
    case 200:
    case 202:
      return interpret_object(expected, answer.status, answer.body);
    case 404:
      return not_sent(expected.status_query ? errc::unknown_request : errc::rejected);
    case 400:
    case 401:
    case 403:
    case 422:
      return not_sent(errc::rejected);
    case 429:
    case 503:
      return not_sent(errc::unavailable);
    case 409:
      return timed_out(errc::id_conflict);
    default:
      break;
  }
  return timed_out(answer.status >= 500 && answer.status < 600 ? errc::server_error
                                                               : errc::unexpected_status);
}

result<provider_object> verify_callback(hsm::backend& hsm, std::string_view key_name,
                                        const received_callback& c, std::chrono::sys_seconds now) {
  std::int64_t ts = 0;
  const auto* end = c.timestamp.data() + c.timestamp.size();
  if (!digits(c.timestamp) || c.timestamp.size() > 12 ||
      std::from_chars(c.timestamp.data(), end, ts).ptr != end) {
    return make_error_code(errc::bad_timestamp);
  }
  const std::int64_t skew = ts - now.time_since_epoch().count();
  if (skew > limits::signature_timestamp_skew_s || -skew > limits::signature_timestamp_skew_s) {
    return make_error_code(errc::bad_timestamp);
  }
  if (!is_nonce(c.nonce)) return make_error_code(errc::bad_signature);
  const auto parts = string_to_sign(request_parts{c.timestamp, c.nonce, c.method, c.path, c.body});
  if (auto ok = verify(hsm, key_name, parts, c.signature); !ok) return ok.error();
  auto object = parse_object(c.body);
  if (!object) return object.error();
  if (object->status == provider_status::pending) return make_error_code(errc::malformed_answer);
  return object;
}

std::string_view to_string(provider_status s) noexcept {
  switch (s) {
    case provider_status::succeeded:
      return "succeeded";
    case provider_status::failed:
      return "failed";
    case provider_status::pending:
      return "pending";
  }
  return "pending";
}

std::string_view to_string(operation op) noexcept {
  return op == operation::charge ? "charge" : "refund";
}

}  // namespace sy::routing::http
