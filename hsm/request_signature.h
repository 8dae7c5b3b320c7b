// Merchant API signatures (specs/merchant-api.md, "Authentication"): verifying a request's
// SY1-HMAC-SHA256 signature and signing the response, under the merchant's api_secret key named
// by its API key id. The secret stays in the backend; only HMAC outputs come out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hsm/backend.h"

namespace sy::hsm {

// The five parts of string_to_sign, exactly as received.
struct signed_request {
  std::string_view method;
  std::string_view path;  // with the query string
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view body;
};

// Checks `signature` (base64, padded) against every live version of `key_name`, newest first, in
// constant time per comparison; returns the version that matched, which must sign the response.
// Errors: key_missing, wrong_key_type, verification_failed (no version matches, or a malformed
// signature), device errors. The gateway answers the first three with `invalid_signature` and a
// device error with 503 (the switch's trouble, not the merchant's).
result<std::uint32_t> verify_request_signature(backend& hsm, std::string_view key_name,
                                               const signed_request& request,
                                               std::string_view signature);

// The Sy-Signature value's signature: base64 of HMAC over `TIMESTAMP\nNONCE\nBODY\n` under the
// version that verified the request. Errors: key_missing, wrong_key_type, device errors.
result<std::string> sign_response(backend& hsm, key_ref key, std::string_view timestamp,
                                  std::string_view nonce, std::string_view body);

// Standard base64 with padding (RFC 4648, section 4).
std::string base64(bytes_view bytes);

}  // namespace sy::hsm
