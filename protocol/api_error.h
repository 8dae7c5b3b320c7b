// The merchant API's error object {"error":{"type","code","message","param"}}: every error code
// the API answers with, its type and HTTP status, and its JSON form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::protocol {

enum class error_type : std::uint8_t {
  invalid_request_error,
  authentication_error,
  idempotency_error,
  rate_limit_error,
  api_error,
};

// Every `code` of the API. The first group comes from the request parsers in this module; the
// rest are answered by the gateway.
enum class api_errc : std::uint8_t {
  // 400 invalid_request_error, from the parsers
  json_invalid,             // not JSON, not an object, too deep, bad UTF-8, trailing bytes
  parameter_duplicate,      // the same key twice in one object or query string
  parameter_unknown,        // a key the endpoint does not define
  parameter_missing,        // a required key is absent (or null)
  parameter_invalid_type,   // e.g. a string where an integer belongs, a float for an amount
  parameter_invalid_empty,  // an empty string where text is required
  parameter_too_long,       // longer than the parameter's bound
  parameter_invalid_value,  // outside the allowed set or format (type, limit, provider, ...)
  amount_too_small,         // zero or negative
  amount_too_large,         // above limits::amount_minor_max
  currency_invalid,         // not an active upper-case ISO 4217 code
  invalid_number,           // card number: not digits, 12-19 digits, Luhn
  invalid_expiry_month,     // not 1..12
  invalid_expiry_year,      // not four digits
  invalid_cvc,              // not 3 or 4 digits
  metadata_too_many,        // more than limits::metadata_count_max pairs
  // 400, answered by the gateway
  idempotency_key_missing,
  idempotency_key_invalid,
  // 401 authentication_error
  invalid_signature,
  timestamp_out_of_window,
  nonce_reused,
  client_certificate_invalid,  // the merchant pins client certificates; this connection's is none
  // 400, answered by the HTTP server: a request line or header block that is not valid HTTP/1.1
  http_invalid,
  // 404, 405, 408, 409, 413, 415, 431 invalid_request_error
  resource_missing,
  method_not_allowed,
  invalid_state,
  body_too_large,
  unsupported_media_type,
  header_too_large,  // 431: the header block is over limits::http_header_size_max
  request_timeout,   // 408: the request did not arrive within limits::http_read_timeout_ms
  // 409 / 422 idempotency_error
  idempotency_request_in_progress,
  idempotency_key_reused,
  // 429 rate_limit_error
  rate_limited,
  // 503 api_error
  overloaded,
};

std::string_view to_string(api_errc code) noexcept;
std::string_view to_string(error_type type) noexcept;

// The error type the API reports with `code`.
error_type type_of(api_errc code) noexcept;

// The HTTP status the API answers with `code` (400, 401, 404, 405, 409, 413, 415, 422, 429, 431,
// 503).
unsigned http_status_of(api_errc code) noexcept;

// One API error. `message` is for humans and never holds a card number, CVC or PIN; `param` is
// the dotted path of the offending parameter (`payment_method.card.number`), empty when none.
struct api_error {
  api_errc code = api_errc::json_invalid;
  std::string message;
  std::string param;

  friend bool operator==(const api_error&, const api_error&) = default;
};

// {"error":{"type":"...","code":"...","message":"...","param":"..."}}, keys in this order;
// "param" is left out when empty (Stripe's manner).
std::string to_json(const api_error& error);

}  // namespace sy::protocol
