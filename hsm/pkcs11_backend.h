// The PKCS#11 backend: keys live in a token of any PKCS#11 module (loaded with dlopen, chosen by
// slot or token label, logged in with the configured PIN); operations run inside the token over
// a pool of sessions. docs/security.md says what runs inside the token and what cannot.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "hsm/backend.h"

namespace sy::hsm {

namespace detail {
class pkcs11_token;
struct token_key;
}  // namespace detail

class pkcs11_backend final : public backend {
 public:
  // Loads the module, finds the token, opens limits::hsm_pkcs11_session_count_max sessions, logs
  // in and indexes the Switchyard keys the token holds. Errors: key_store_missing (the module
  // cannot be loaded), token_missing, device errors (CKR_PIN_INCORRECT, ...).
  static result<std::unique_ptr<pkcs11_backend>> open(const config::pkcs11_settings& settings);
  ~pkcs11_backend() override;

  std::string_view kind() const noexcept override { return "pkcs11"; }

 protected:
  result<key_info> do_create(const key_spec& spec, const secure_bytes* material,
                             bool must_be_new) override;
  result<key_info> do_import_wrapped(const key_spec& spec, key_ref zmk, bytes_view wrapped,
                                     std::string_view kcv) override;
  result<void> do_retire(std::string_view name, std::uint32_t version) override;
  result<std::vector<key_info>> do_list() override;
  result<key_info> do_describe(key_ref key) override;
  result<std::vector<std::uint32_t>> do_versions(std::string_view name) override;
  result<digest> do_hmac(key_ref key, key_type purpose,
                         std::span<const std::string_view> parts) override;
  result<mac_value> do_mac(key_ref key, bytes_view message) override;
  result<pin_block> do_translate_pin(key_ref from, pin_format from_format, key_ref to,
                                     pin_format to_format, const pin_block& block,
                                     std::string_view pan) override;
  result<std::vector<std::uint8_t>> do_encrypt(key_ref key, bytes_view plaintext,
                                               bytes_view aad) override;
  result<secure_bytes> do_decrypt(key_ref key, bytes_view sealed, bytes_view aad) override;

 private:
  explicit pkcs11_backend(std::unique_ptr<detail::pkcs11_token> token) noexcept;
  // Unwraps under an AES ZMK (object `zmk`) inside the token and keeps the key only when its
  // check value is `kcv`.
  result<key_info> import_in_token(const key_spec& spec, unsigned long zmk, bytes_view wrapped,
                                   std::string_view kcv);
  result<std::uint32_t> next_version_of(const key_spec& spec, bool must_be_new);
  result<detail::token_key> lookup(key_ref key, key_type type);
  std::unique_ptr<detail::pkcs11_token> token_;
};

}  // namespace sy::hsm
