// The merchant API's Authorization header (specs/merchant-api.md, "Authentication"):
//   SY1-HMAC-SHA256 key_id="<id>",timestamp="<unix seconds>",nonce="<nonce>",signature="<sig>"
// read strictly, and the Sy-Signature header of the answer. Pure text handling; the HMACs are
// the HSM module's (hsm/request_signature.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::gateway {

struct request_credentials {
  std::string_view key_id;
  std::string_view timestamp;  // the digits as sent: they are signed as sent
  std::int64_t timestamp_s = 0;
  std::string_view nonce;
  std::string_view signature;
};

// The four parameters, each exactly once, in any order, separated by commas (optional spaces
// after them), values in double quotes without escapes. nullopt for anything else: a wrong
// scheme, a missing, repeated or unknown parameter, a timestamp that is not 1 to 12 digits, a
// nonce that is not 16 to 64 of [A-Za-z0-9_-], an empty key id or signature. The views point
// into `header`.
std::optional<request_credentials> parse_authorization(std::string_view header) noexcept;

// timestamp="<unix seconds>",signature="<sig>"
std::string sy_signature_header(std::int64_t timestamp_s, std::string_view signature);

}  // namespace sy::gateway
