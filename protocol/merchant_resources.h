// The merchant API's resources (payment, refund, list) and their JSON form. The bytes are stored
// with the idempotency record and replayed, so serialization is deterministic: fixed key order,
// no whitespace, metadata in stored order.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "protocol/card_brand.h"
#include "protocol/merchant_requests.h"
#include "protocol/money.h"
#include "protocol/payment_types.h"

namespace sy::protocol {

// What a response may show of a card: never the number, the CVC or the holder's name.
struct card_summary {
  card_brand brand = card_brand::unknown;
  std::string bin;    // first 6 digits
  std::string last4;  // last 4 digits
  std::uint8_t exp_month = 0;
  std::uint16_t exp_year = 0;

  friend bool operator==(const card_summary&, const card_summary&) = default;
};

// A validated card's summary (brand by BIN range). Precondition: the card came from a parser,
// so its number passed validate_pan.
card_summary summarize(const card_details& card);

using payment_method_summary = std::variant<card_summary, wallet_details>;

// The summary of either kind of payment method (a wallet shows as given).
payment_method_summary summarize(const payment_method_details& method);

struct payment {
  std::string id;  // "pay_..."
  payment_status status = payment_status::pending;
  money amount;
  std::int64_t amount_captured = 0;
  std::int64_t amount_refunded = 0;
  std::string merchant_reference;
  std::optional<std::string> description;
  metadata_map metadata;
  payment_method_summary payment_method;
  std::optional<std::string> channel;             // null until routed
  std::optional<std::string> authorization_code;  // DE 38, approvals only
  std::optional<std::string> rrn;                 // DE 37
  std::optional<std::string> response_code;       // DE 39
  std::optional<decline> decline_code;            // declined or failed payments only
  std::optional<std::chrono::year_month_day> business_date;
  std::chrono::sys_seconds created_at{};
  std::chrono::sys_seconds updated_at{};

  friend bool operator==(const payment&, const payment&) = default;
};

struct refund {
  std::string id;          // "re_..."
  std::string payment_id;  // "pay_..."
  money amount;
  refund_status status = refund_status::pending;
  std::optional<std::string> reason;
  std::chrono::sys_seconds created_at{};

  friend bool operator==(const refund&, const refund&) = default;
};

// Key order is the spec's: id, object, status, amount, amount_captured, amount_refunded,
// currency, merchant_reference, description, metadata, payment_method, channel,
// authorization_code, rrn, response_code, decline_code (only when set), business_date,
// created_at, updated_at. Absent optional values are null. Times are RFC 3339 UTC with
// whole seconds ("2026-11-21T23:18:45Z").
std::string to_json(const payment& p);
void append_json(std::string& out, const payment& p);

// id, object, payment_id, amount, currency, status, reason (null when none), created_at.
std::string to_json(const refund& r);

// {"object":"list","data":[...],"has_more":bool}
std::string list_to_json(std::span<const payment> data, bool has_more);

// "2026-11-21T23:18:45Z" and "2026-11-21", as the API writes them.
std::string format_rfc3339(std::chrono::sys_seconds time);
std::string format_date(std::chrono::year_month_day date);

}  // namespace sy::protocol
