// Names, types and HTTP statuses of the API error codes, and the error object's JSON form.
#include "protocol/api_error.h"

#include <array>

#include "protocol/detail/json_writer.h"

namespace sy::protocol {
namespace {

struct code_entry {
  std::string_view name;
  error_type type;
  unsigned status;
};

constexpr auto invalid = error_type::invalid_request_error;

// Indexed by api_errc.
constexpr std::array<code_entry, 34> codes{{
    {"json_invalid", invalid, 400},
    {"parameter_duplicate", invalid, 400},
    {"parameter_unknown", invalid, 400},
    {"parameter_missing", invalid, 400},
    {"parameter_invalid_type", invalid, 400},
    {"parameter_invalid_empty", invalid, 400},
    {"parameter_too_long", invalid, 400},
    {"parameter_invalid_value", invalid, 400},
    {"amount_too_small", invalid, 400},
    {"amount_too_large", invalid, 400},
    {"currency_invalid", invalid, 400},
    {"invalid_number", invalid, 400},
    {"invalid_expiry_month", invalid, 400},
    {"invalid_expiry_year", invalid, 400},
    {"invalid_cvc", invalid, 400},
    {"metadata_too_many", invalid, 400},
    {"idempotency_key_missing", invalid, 400},
    {"idempotency_key_invalid", invalid, 400},
    {"invalid_signature", error_type::authentication_error, 401},
    {"timestamp_out_of_window", error_type::authentication_error, 401},
    {"nonce_reused", error_type::authentication_error, 401},
    {"client_certificate_invalid", error_type::authentication_error, 401},
    {"http_invalid", invalid, 400},
    {"resource_missing", invalid, 404},
    {"method_not_allowed", invalid, 405},
    {"invalid_state", invalid, 409},
    {"body_too_large", invalid, 413},
    {"unsupported_media_type", invalid, 415},
    {"header_too_large", invalid, 431},
    {"request_timeout", invalid, 408},
    {"idempotency_request_in_progress", error_type::idempotency_error, 409},
    {"idempotency_key_reused", error_type::idempotency_error, 422},
    {"rate_limited", error_type::rate_limit_error, 429},
    {"overloaded", error_type::api_error, 503},
}};
static_assert(codes.size() == static_cast<std::size_t>(api_errc::overloaded) + 1,
              "one entry per api_errc, in order");

constexpr std::array<std::string_view, 5> type_names{
    "invalid_request_error",
    "authentication_error",
    "idempotency_error",
    "rate_limit_error",
    "api_error",
};

const code_entry& entry_of(api_errc code) noexcept {
  const auto index = static_cast<std::size_t>(code);
  return index < codes.size() ? codes[index] : codes[0];
}

}  // namespace

std::string_view to_string(api_errc code) noexcept {
  return entry_of(code).name;
}

std::string_view to_string(error_type type) noexcept {
  const auto index = static_cast<std::size_t>(type);
  return index < type_names.size() ? type_names[index] : type_names.back();
}

error_type type_of(api_errc code) noexcept {
  return entry_of(code).type;
}

unsigned http_status_of(api_errc code) noexcept {
  return entry_of(code).status;
}

std::string to_json(const api_error& error) {
  std::string out;
  out.reserve(96 + error.message.size() + error.param.size());
  out += R"({"error":{"type":")";
  out += to_string(type_of(error.code));
  out += R"(","code":")";
  out += to_string(error.code);
  out += R"(","message":)";
  detail::append_json_string(out, error.message);
  if (!error.param.empty()) {
    out += R"(,"param":)";
    detail::append_json_string(out, error.param);
  }
  out += "}}";
  return out;
}

}  // namespace sy::protocol
