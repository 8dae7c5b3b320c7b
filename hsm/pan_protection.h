// PAN protection for the store and the logs: a keyed deterministic token (HMAC under a pan_token
// key) for lookups and duplicate detection, and AES-256-GCM ciphertext (under a pan_data key)
// for the rare authorised decrypt. Neither reveals the PAN without the backend.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hsm/backend.h"

namespace sy::hsm {

struct protected_pan {
  // "v<version>.<64 hex digits>": the same PAN under the same key version always gives the same
  // token; a rotated token key gives new tokens (look up under each live version meanwhile).
  std::string token;
  // The data key's version (4 bytes, big-endian) || nonce || ciphertext || tag.
  std::vector<std::uint8_t> ciphertext;
};

// The token of `pan` (12 to 19 digits) under `key` (version 0: active). Errors: bad_input (not
// a PAN), key_missing, wrong_key_type, device errors.
result<std::string> pan_token(backend& hsm, key_ref key, std::string_view pan);

// Token and ciphertext of `pan`, both under the active versions. `aad` binds the ciphertext to
// its record (e.g. the payment id): decrypting needs the same bytes. Errors: as pan_token and
// backend::encrypt.
result<protected_pan> protect_pan(backend& hsm, std::string_view token_key,
                                  std::string_view data_key, std::string_view pan,
                                  bytes_view aad = {});

// The PAN in `ciphertext`, wiped when the caller drops it. Errors: bad_input (too short),
// key_missing (the version was retired), wrong_key_type, verification_failed (wrong key, AAD
// or damaged), device errors.
result<secure_bytes> reveal_pan(backend& hsm, std::string_view data_key, bytes_view ciphertext,
                                bytes_view aad = {});

}  // namespace sy::hsm
