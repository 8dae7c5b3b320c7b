// The cryptographic primitives on clear keys, over OpenSSL 3's EVP APIs: HMAC, CMAC, ISO 9797-1
// MAC algorithm 3, ECB blocks, AES-GCM, key unwrap, check values. Only the soft backend and the
// tests hand them key material; everything else names keys through hsm::backend.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/result.h"
#include "hsm/key.h"
#include "hsm/secure_bytes.h"

namespace sy::hsm {

using bytes_view = std::span<const std::uint8_t>;
using digest = std::array<std::uint8_t, 32>;    // HMAC-SHA256 or HMAC-SM3
using mac_value = std::array<std::uint8_t, 8>;  // DE 64/128

inline bytes_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// AES-GCM framing of sealed data: nonce || ciphertext || tag.
inline constexpr std::size_t gcm_nonce_size = 12;
inline constexpr std::size_t gcm_tag_size = 16;

namespace primitives {

// HMAC over the concatenation of `parts` (no copy of them is made). Errors: bad_key_spec
// (algorithm is not an HMAC), unsupported_algorithm, crypto_failure.
result<digest> hmac(key_algorithm a, bytes_view key, std::span<const std::string_view> parts);

// CMAC (NIST SP 800-38B) with AES or SM4, the whole 16-byte block. Errors: bad_key_spec,
// unsupported_algorithm, crypto_failure.
result<std::array<std::uint8_t, 16>> cmac(key_algorithm a, bytes_view key, bytes_view data);

// ISO 9797-1 MAC algorithm 3 (the ANSI X9.19 retail MAC) with padding method 1: single-DES
// CBC-MAC under K, the last block also decrypted under K' and encrypted under K again. `key` is
// K || K' (16 bytes). Errors: bad_key_spec, crypto_failure.
result<mac_value> retail_mac(bytes_view key, bytes_view data);

// The ISO 8583 message MAC of a TAK: algorithm 3 for 3DES, the leftmost 8 bytes of CMAC for AES
// and SM4. Errors: as retail_mac and cmac.
result<mac_value> message_mac(key_algorithm a, bytes_view key, bytes_view data);

// ECB over whole blocks (in and out the same size, a multiple of the block). Errors:
// bad_input (size), bad_key_spec, unsupported_algorithm, crypto_failure.
error_code ecb(key_algorithm a, bytes_view key, bool encrypt, bytes_view in,
               std::span<std::uint8_t> out);

// The key check value, six upper-case hex digits: 3DES encrypts eight zero bytes; AES and SM4
// take CMAC over sixteen zero bytes; HMAC keys take their HMAC over sixteen zero bytes.
result<std::string> kcv(key_algorithm a, bytes_view key);

// A key encrypted under a ZMK, in the clear: ECB decryption under a 3DES or SM4 ZMK (the
// traditional key exchange), RFC 3394 key unwrap under an AES ZMK (integrity checked). Errors:
// bad_input (size), verification_failed (AES unwrap integrity), bad_key_spec, crypto_failure.
result<secure_bytes> unwrap(key_algorithm zmk_algorithm, bytes_view zmk, bytes_view wrapped);
// The inverse, for tests and for handing keys to a partner.
result<std::vector<std::uint8_t>> wrap(key_algorithm zmk_algorithm, bytes_view zmk, bytes_view key);

// AES-256-GCM with a random 96-bit nonce: nonce || ciphertext || tag. Errors: bad_key_spec,
// crypto_failure.
result<std::vector<std::uint8_t>> gcm_seal(bytes_view key, bytes_view plaintext, bytes_view aad);
// Errors: bad_input (too short), verification_failed (tag), bad_key_spec, crypto_failure.
result<secure_bytes> gcm_open(bytes_view key, bytes_view sealed, bytes_view aad);

// Fills `out` from OpenSSL's CSPRNG. Errors: crypto_failure.
error_code random_bytes(std::span<std::uint8_t> out);

}  // namespace primitives

std::string to_hex(bytes_view bytes);
// Hex (either case, even length) to bytes; errc::bad_input otherwise.
result<secure_bytes> from_hex(std::string_view hex);

}  // namespace sy::hsm
