// Key types and algorithms: their names, which algorithm fits which type, and key sizes.
#include "hsm/key.h"

#include <array>

#include "config/limits.h"
#include "hsm/errc.h"
#include "protocol/enum_names.h"

namespace sy::hsm {
namespace {

// In enum order (protocol/enum_names.h).
constexpr std::array<std::string_view, 7> type_names{
    "zmk", "zpk", "tak", "api_secret", "pan_token", "pan_data", "file_signing"};
constexpr std::array<std::string_view, 5> algorithm_names{"tdes", "aes", "hmac_sha256", "sm4",
                                                          "hmac_sm3"};

bool algorithm_fits(key_type t, key_algorithm a) noexcept {
  switch (t) {
    case key_type::zmk:
    case key_type::zpk:
      return a == key_algorithm::tdes || a == key_algorithm::aes || a == key_algorithm::sm4;
    case key_type::tak:
      return a == key_algorithm::tdes || a == key_algorithm::aes || a == key_algorithm::sm4;
    case key_type::api_secret:
    case key_type::pan_token:
    case key_type::file_signing:
      return is_hmac(a);
    case key_type::pan_data:
      // OpenSSL 3.0 has no SM4-GCM, so PAN ciphertext is AES-256-GCM only (docs/security.md).
      return a == key_algorithm::aes;
  }
  return false;
}

bool size_fits(key_type t, key_algorithm a, std::size_t size) noexcept {
  switch (a) {
    case key_algorithm::tdes:
      // ISO 9797-1 algorithm 3 uses a double-length key (K, K').
      return size == 16 || (size == 24 && t != key_type::tak);
    case key_algorithm::aes:
      return t == key_type::pan_data ? size == 32 : (size == 16 || size == 24 || size == 32);
    case key_algorithm::sm4:
      return size == 16;
    case key_algorithm::hmac_sha256:
    case key_algorithm::hmac_sm3:
      return size >= limits::hsm_hmac_key_size_min && size <= limits::hsm_hmac_key_size_max;
  }
  return false;
}

}  // namespace

std::string_view to_string(key_type t) noexcept {
  return protocol::name_of(type_names, t);
}

std::string_view to_string(key_algorithm a) noexcept {
  return protocol::name_of(algorithm_names, a);
}

std::optional<key_type> key_type_from_string(std::string_view text) noexcept {
  return protocol::find_name<key_type>(type_names, text);
}

std::optional<key_algorithm> key_algorithm_from_string(std::string_view text) noexcept {
  return protocol::find_name<key_algorithm>(algorithm_names, text);
}

key_algorithm default_algorithm(key_type t) noexcept {
  switch (t) {
    case key_type::zmk:
    case key_type::zpk:
    case key_type::tak:
      return key_algorithm::tdes;  // what most bank links still exchange
    case key_type::pan_data:
      return key_algorithm::aes;
    case key_type::api_secret:
    case key_type::pan_token:
    case key_type::file_signing:
      return key_algorithm::hmac_sha256;
  }
  return key_algorithm::hmac_sha256;
}

std::size_t default_size(key_type, key_algorithm a) noexcept {
  switch (a) {
    case key_algorithm::tdes:
    case key_algorithm::sm4:
      return 16;
    case key_algorithm::aes:
    case key_algorithm::hmac_sha256:
    case key_algorithm::hmac_sm3:
      return 32;
  }
  return 32;
}

bool is_key_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > limits::hsm_key_name_size_max) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<key_spec> normalize(key_spec spec) {
  if (spec.size == 0) spec.size = default_size(spec.type, spec.algorithm);
  if (!is_key_name(spec.name) || !algorithm_fits(spec.type, spec.algorithm) ||
      !size_fits(spec.type, spec.algorithm, spec.size)) {
    return make_error_code(errc::bad_key_spec);
  }
  return spec;
}

std::size_t block_size(key_algorithm a) noexcept {
  switch (a) {
    case key_algorithm::tdes:
      return 8;
    case key_algorithm::aes:
    case key_algorithm::sm4:
      return 16;
    case key_algorithm::hmac_sha256:
    case key_algorithm::hmac_sm3:
      return 0;
  }
  return 0;
}

bool same_kcv(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

bool is_hmac(key_algorithm a) noexcept {
  return a == key_algorithm::hmac_sha256 || a == key_algorithm::hmac_sm3;
}

}  // namespace sy::hsm
