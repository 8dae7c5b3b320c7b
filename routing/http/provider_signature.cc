// Provider protocol signatures over the HSM's HMAC and base64 (hsm/request_signature.h).
#include "routing/http/provider_signature.h"

#include <openssl/crypto.h>

#include "config/limits.h"
#include "hsm/primitives.h"
#include "hsm/request_signature.h"
#include "routing/http/errc.h"

namespace sy::routing::http {
namespace {

// base64 of a 32-byte HMAC: 44 characters with one '=' of padding.
constexpr std::size_t signature_size = 44;

bool same_signature(std::string_view expected, std::string_view given) noexcept {
  return given.size() == signature_size && expected.size() == signature_size &&
         CRYPTO_memcmp(expected.data(), given.data(), signature_size) == 0;
}

}  // namespace

signing_parts string_to_sign(const request_parts& p) noexcept {
  return {p.timestamp, "\n", p.nonce, "\n", p.method, "\n", p.path, "\n", p.body, "\n"};
}

signing_parts string_to_sign(const answer_parts& p) noexcept {
  return {p.timestamp, "\n", p.nonce, "\n", p.status, "\n", p.body, "\n", {}, {}};
}

std::span<const std::string_view> answer_span(const signing_parts& parts) noexcept {
  return std::span<const std::string_view>(parts).first(8);
}

result<std::string> sign(hsm::backend& hsm, std::string_view key_name,
                         std::span<const std::string_view> parts) {
  auto mac = hsm.hmac({key_name, 0}, hsm::key_type::api_secret, parts);
  if (!mac) return mac.error();
  return hsm::base64(*mac);
}

result<void> verify(hsm::backend& hsm, std::string_view key_name,
                    std::span<const std::string_view> parts, std::string_view signature) {
  auto versions = hsm.versions(key_name);
  if (!versions) return versions.error();
  // Compared as base64 text: the expected value is computed, so hostile input is never decoded.
  for (const auto version : *versions) {
    auto mac = hsm.hmac({key_name, version}, hsm::key_type::api_secret, parts);
    if (!mac) return mac.error();
    if (same_signature(hsm::base64(*mac), signature)) return {};
  }
  return make_error_code(errc::bad_signature);
}

result<std::string> sign_with_secret(hsm::bytes_view secret,
                                     std::span<const std::string_view> parts) {
  auto mac = hsm::primitives::hmac(hsm::key_algorithm::hmac_sha256, secret, parts);
  if (!mac) return mac.error();
  return hsm::base64(*mac);
}

bool verify_with_secret(hsm::bytes_view secret, std::span<const std::string_view> parts,
                        std::string_view signature) {
  const auto expected = sign_with_secret(secret, parts);
  return expected && same_signature(*expected, signature);
}

bool is_nonce(std::string_view text) noexcept {
  if (text.size() < limits::nonce_size_min || text.size() > limits::nonce_size_max) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<std::string> make_nonce() {
  std::array<std::uint8_t, limits::http_channel_nonce_size / 2> bytes{};
  if (const auto ec = hsm::primitives::random_bytes(bytes)) return ec;
  return hsm::to_hex(bytes);
}

}  // namespace sy::routing::http
