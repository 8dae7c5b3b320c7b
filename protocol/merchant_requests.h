// The merchant API's request bodies and list query (specs/merchant-api.md), as validated structs,
// and their parsers. Boost.JSON stays inside the .cc so including this header stays cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/limits.h"
#include "config/result.h"
#include "protocol/api_error.h"
#include "protocol/money.h"

namespace sy::protocol {

// Metadata pairs sorted by key, keys unique: the order every response shows them in.
using metadata_map = std::vector<std::pair<std::string, std::string>>;

struct card_details {
  std::string number;          // the full PAN: never logged, never in a response (card_summary is)
  std::uint8_t exp_month = 0;  // 1..12
  std::uint16_t exp_year = 0;  // four digits; whether it lies in the past is a decline
  std::optional<std::string> cvc;  // 3-4 digits; goes to the bank only, never stored
  std::optional<std::string> holder_name;

  friend bool operator==(const card_details&, const card_details&) = default;
};

struct wallet_details {
  std::string provider;  // [a-z0-9_], the third-party channel's slug
  std::string account;

  friend bool operator==(const wallet_details&, const wallet_details&) = default;
};

using payment_method_details = std::variant<card_details, wallet_details>;

// POST /v1/payments
struct create_payment_request {
  money amount;  // > 0, <= limits::amount_minor_max, in an active ISO 4217 currency
  std::string merchant_reference;
  payment_method_details payment_method;
  bool capture = true;
  std::optional<std::string> description;
  metadata_map metadata;

  friend bool operator==(const create_payment_request&, const create_payment_request&) = default;
};

// POST /v1/payments/{id}/capture; no amount captures everything authorized.
struct capture_request {
  std::optional<std::int64_t> amount;

  friend bool operator==(const capture_request&, const capture_request&) = default;
};

// POST /v1/payments/{id}/void: no parameters.
struct void_request {
  friend bool operator==(const void_request&, const void_request&) = default;
};

// POST /v1/payments/{id}/refunds
struct refund_request {
  std::int64_t amount = 0;
  std::optional<std::string> reason;

  friend bool operator==(const refund_request&, const refund_request&) = default;
};

// GET /v1/payments?merchant_reference=&limit=&starting_after=
struct list_query {
  std::optional<std::string> merchant_reference;
  std::size_t limit = limits::list_limit_default;
  std::optional<std::string> starting_after;  // a payment id, "pay_..."

  friend bool operator==(const list_query&, const list_query&) = default;
};

// Parsers of request bodies. Each accepts exactly one JSON object (for void, also an empty
// body), nested at most limits::json_depth_max deep; a key appearing twice in one object is
// rejected rather than silently resolved, and a null value counts as absent. Every error is an
// api_error whose param is the offending parameter's dotted path. Every parser can return
// json_invalid, parameter_duplicate and parameter_unknown; beyond those:

// Errors: parameter_missing, parameter_invalid_type, parameter_invalid_empty,
// parameter_too_long, parameter_invalid_value, amount_too_small, amount_too_large,
// currency_invalid, invalid_number, invalid_expiry_month, invalid_expiry_year, invalid_cvc,
// metadata_too_many.
result<create_payment_request, api_error> parse_create_payment(std::string_view body);
// Errors: parameter_invalid_type, amount_too_small, amount_too_large.
result<capture_request, api_error> parse_capture(std::string_view body);
// Errors: only the three common ones.
result<void_request, api_error> parse_void(std::string_view body);
// Errors: parameter_missing, parameter_invalid_type, parameter_invalid_empty, parameter_too_long,
// parameter_invalid_value, amount_too_small, amount_too_large.
result<refund_request, api_error> parse_refund(std::string_view body);

// Parses a query string (without '?') with percent-decoding and '+' as space. Unknown or
// repeated parameters are rejected. Errors: parameter_unknown, parameter_duplicate,
// parameter_invalid_value (bad escape, bad limit, bad id), parameter_invalid_empty,
// parameter_too_long.
result<list_query, api_error> parse_list_query(std::string_view query);

// The request bodies as JSON, keys in the order of the spec: for clients (the load driver, the
// integration tests). A card request's JSON holds the full PAN: it is a request, never a log.
std::string to_json(const create_payment_request& request);
std::string to_json(const capture_request& request);
std::string to_json(const refund_request& request);

}  // namespace sy::protocol
