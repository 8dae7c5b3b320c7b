// What a key is: its type (what it protects), its algorithm, its name and version, and the public
// facts about it (`key_info`, with the check value) that commands may print. Never the material.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/result.h"

namespace sy::hsm {

// What a key is for; an operation refuses a key of another type (errc::wrong_key_type).
enum class key_type : std::uint8_t {
  zmk,           // zone master key: imports other keys exchanged with a partner
  zpk,           // zone PIN key: PIN blocks (DE 52) of one zone
  tak,           // terminal/acquirer MAC key: DE 64/128 of one channel
  api_secret,    // HMAC secret shared with a merchant (request signatures) or an HTTP channel
  pan_token,     // HMAC key of the deterministic PAN token (lookups, duplicate detection)
  pan_data,      // AES-256-GCM key of PAN ciphertext (authorised decrypt)
  file_signing,  // HMAC key signing clearing and settlement files
};

enum class key_algorithm : std::uint8_t {
  tdes,         // 3DES, double length (ISO 9797-1 alg. 3, PIN format 0) or triple length
  aes,          // AES-128/192/256 (CMAC, PIN format 4, GCM)
  hmac_sha256,  // HMAC-SHA256
  sm4,          // SM4 (GB/T 32907): CMAC and PIN format 4 in place of AES
  hmac_sm3,     // HMAC-SM3 (GB/T 32905) in place of HMAC-SHA256
};

std::string_view to_string(key_type t) noexcept;
std::string_view to_string(key_algorithm a) noexcept;
std::optional<key_type> key_type_from_string(std::string_view text) noexcept;
std::optional<key_algorithm> key_algorithm_from_string(std::string_view text) noexcept;

// A key to create: a name ([A-Za-z0-9_-], 1 to limits::hsm_key_name_size_max characters), its
// type and algorithm, and its size in bytes (0: the algorithm's default).
struct key_spec {
  std::string name;
  key_type type = key_type::api_secret;
  key_algorithm algorithm = key_algorithm::hmac_sha256;
  std::size_t size = 0;
};

// The algorithm a type uses unless told otherwise.
key_algorithm default_algorithm(key_type t) noexcept;
// The size a new key of this type and algorithm gets when the spec says 0.
std::size_t default_size(key_type t, key_algorithm a) noexcept;
// `spec` with its size filled in, or errc::bad_key_spec when the name is not a key name, the
// algorithm does not fit the type, or the size does not fit the algorithm.
result<key_spec> normalize(key_spec spec);
bool is_key_name(std::string_view name) noexcept;
// The cipher block of a block-cipher algorithm (8 for 3DES, 16 for AES and SM4), 0 for HMAC.
std::size_t block_size(key_algorithm a) noexcept;
bool is_hmac(key_algorithm a) noexcept;

// Check values compared as operators type them: case does not matter.
bool same_kcv(std::string_view a, std::string_view b) noexcept;

// Names a key for an operation; version 0 is the active (newest) version.
struct key_ref {
  std::string_view name;
  std::uint32_t version = 0;
};

// A key's public description: what `switchyard keys list` prints.
struct key_info {
  std::string name;
  std::uint32_t version = 0;
  key_type type = key_type::api_secret;
  key_algorithm algorithm = key_algorithm::hmac_sha256;
  std::size_t size = 0;
  std::string kcv;             // six hex digits (see kcv() in hsm/primitives.h)
  std::int64_t created_s = 0;  // Unix seconds
  bool active = false;         // the newest version: signs, MACs, encrypts
};

}  // namespace sy::hsm
