// PAN tokens and PAN ciphertext over the backend's HMAC and AES-GCM operations.
#include "hsm/pan_protection.h"

#include <array>

#include "config/limits.h"
#include "hsm/errc.h"

namespace sy::hsm {
namespace {

constexpr std::size_t version_size = 4;

bool is_pan(std::string_view pan) {
  if (pan.size() < limits::pan_digits_min || pan.size() > limits::pan_digits_max) return false;
  for (const char c : pan) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

result<std::string> pan_token(backend& hsm, key_ref key, std::string_view pan) {
  if (!is_pan(pan)) return make_error_code(errc::bad_input);
  std::uint32_t version = key.version;
  if (version == 0) {
    auto active = hsm.describe(key);
    if (!active) return active.error();
    version = active->version;
  }
  const std::array<std::string_view, 1> parts{pan};
  auto mac = hsm.hmac({key.name, version}, key_type::pan_token, parts);
  if (!mac) return mac.error();
  return "v" + std::to_string(version) + "." + to_hex(*mac);
}

result<protected_pan> protect_pan(backend& hsm, std::string_view token_key,
                                  std::string_view data_key, std::string_view pan, bytes_view aad) {
  auto token = pan_token(hsm, {token_key, 0}, pan);
  if (!token) return token.error();
  auto active = hsm.describe({data_key, 0});
  if (!active) return active.error();
  auto sealed = hsm.encrypt({data_key, active->version}, as_bytes(pan), aad);
  if (!sealed) return sealed.error();
  protected_pan out{std::move(*token), {}};
  out.ciphertext.reserve(version_size + sealed->size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.ciphertext.push_back(static_cast<std::uint8_t>(active->version >> shift));
  }
  out.ciphertext.insert(out.ciphertext.end(), sealed->begin(), sealed->end());
  return out;
}

result<secure_bytes> reveal_pan(backend& hsm, std::string_view data_key, bytes_view ciphertext,
                                bytes_view aad) {
  if (ciphertext.size() <= version_size) return make_error_code(errc::bad_input);
  std::uint32_t version = 0;
  for (std::size_t i = 0; i < version_size; ++i) version = version << 8 | ciphertext[i];
  if (version == 0) return make_error_code(errc::bad_input);
  return hsm.decrypt({data_key, version}, ciphertext.subspan(version_size), aad);
}

}  // namespace sy::hsm
