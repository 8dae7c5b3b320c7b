// Merchant request signatures and response signatures over the backend's HMAC.
#include "hsm/request_signature.h"

#include <openssl/crypto.h>

#include <array>

#include "hsm/errc.h"

namespace sy::hsm {
namespace {

// base64 of a 32-byte HMAC: 44 characters with one '=' of padding.
constexpr std::size_t signature_size = 44;

}  // namespace

std::string base64(bytes_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16 |
                            (n > 1 ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                            (n > 2 ? std::uint32_t{bytes[i + 2]} : 0);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += n > 1 ? alphabet[v >> 6 & 63] : '=';
    out += n > 2 ? alphabet[v & 63] : '=';
  }
  return out;
}

result<std::uint32_t> verify_request_signature(backend& hsm, std::string_view key_name,
                                               const signed_request& request,
                                               std::string_view signature) {
  auto versions = hsm.versions(key_name);
  if (!versions) return versions.error();
  // Compared as base64 text: the expected value is computed, so hostile input is never decoded.
  const bool well_formed = signature.size() == signature_size;
  const std::array<std::string_view, 10> parts{request.method,    "\n", request.path,  "\n",
                                               request.timestamp, "\n", request.nonce, "\n",
                                               request.body,      "\n"};
  for (const auto version : *versions) {
    auto mac = hsm.hmac({key_name, version}, key_type::api_secret, parts);
    if (!mac) return mac.error();
    const std::string expected = base64(*mac);
    if (well_formed && CRYPTO_memcmp(expected.data(), signature.data(), signature_size) == 0) {
      return version;
    }
  }
  return make_error_code(errc::verification_failed);
}

result<std::string> sign_response(backend& hsm, key_ref key, std::string_view timestamp,
                                  std::string_view nonce, std::string_view body) {
  const std::array<std::string_view, 6> parts{timestamp, "\n", nonce, "\n", body, "\n"};
  auto mac = hsm.hmac(key, key_type::api_secret, parts);
  if (!mac) return mac.error();
  return base64(*mac);
}

}  // namespace sy::hsm
