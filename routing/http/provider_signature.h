// Signatures of the provider protocol (docs/channels.md, "Providers"): HMAC-SHA256 under the
// channel's shared secret over the message's parts, base64. The switch signs and verifies through
// the HSM (the secret never leaves it); the wallet simulator holds the secret in the clear.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "config/result.h"
#include "hsm/backend.h"

namespace sy::routing::http {

// The headers that carry a signature, on requests, answers and callbacks alike.
inline constexpr std::string_view timestamp_header = "Sy-Timestamp";
inline constexpr std::string_view nonce_header = "Sy-Nonce";
inline constexpr std::string_view signature_header = "Sy-Signature";

// A request (switch -> provider) or a callback (provider -> switch): string_to_sign is
// TIMESTAMP\nNONCE\nMETHOD\nPATH\nBODY\n, PATH with its query exactly as sent.
struct request_parts {
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view method;
  std::string_view path;
  std::string_view body;
};

// An answer (provider -> switch): TIMESTAMP\nNONCE\nSTATUS\nBODY\n, where NONCE is the request's
// (binding the answer to it, so an old answer cannot be replayed) and STATUS the 3-digit code.
struct answer_parts {
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view status;
  std::string_view body;
};

using signing_parts = std::array<std::string_view, 10>;

// The pieces of string_to_sign, for HMAC over their concatenation (no copy is made). An answer
// uses the first eight.
signing_parts string_to_sign(const request_parts& p) noexcept;
signing_parts string_to_sign(const answer_parts& p) noexcept;
std::span<const std::string_view> answer_span(const signing_parts& parts) noexcept;

// The base64 signature under the active version of the api_secret key `key_name`. Errors: the
// backend's (key_missing, wrong_key_type, bad_input, device errors).
result<std::string> sign(hsm::backend& hsm, std::string_view key_name,
                         std::span<const std::string_view> parts);

// Whether `signature` matches under any live version of `key_name` (newest first; rotation),
// compared in constant time. Errors: errc::bad_signature (no match, or not 44 base64
// characters), and the backend's errors.
result<void> verify(hsm::backend& hsm, std::string_view key_name,
                    std::span<const std::string_view> parts, std::string_view signature);

// The same under a secret in the clear (the simulator). Errors: hsm::primitives::hmac's.
result<std::string> sign_with_secret(hsm::bytes_view secret,
                                     std::span<const std::string_view> parts);
bool verify_with_secret(hsm::bytes_view secret, std::span<const std::string_view> parts,
                        std::string_view signature);

// A nonce of the protocol: 16 to 64 characters of [A-Za-z0-9_-].
bool is_nonce(std::string_view text) noexcept;

// A fresh nonce: limits::http_channel_nonce_size hex digits of the CSPRNG. Errors: crypto_failure.
result<std::string> make_nonce();

}  // namespace sy::routing::http
