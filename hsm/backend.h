// The one interface to keys and cryptography. Callers name keys (hsm/key.h); the material stays
// behind the backend: in the soft backend's process memory, or inside a PKCS#11 token. Public
// functions check their inputs and the fault plan, then call the backend's implementation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/result.h"
#include "hsm/fault_plan.h"
#include "hsm/key.h"
#include "hsm/pin_block.h"
#include "hsm/primitives.h"
#include "hsm/secure_bytes.h"

namespace sy::hsm {

// What every operation may return besides its own errors: key_missing (no such name or
// version), wrong_key_type, injected_failure, a device error (hsm::is_device_error) on PKCS#11.
class backend {
 public:
  backend() = default;
  backend(const backend&) = delete;
  backend& operator=(const backend&) = delete;
  virtual ~backend() = default;

  // "soft" or "pkcs11", for messages.
  virtual std::string_view kind() const noexcept = 0;

  // ---- key management (rare, serialised) ----
  // A new key, version 1, generated inside the backend. Errors: bad_key_spec, key_exists,
  // unsupported_algorithm.
  result<key_info> generate(key_spec spec);
  // A new version of `name`, generated, of the same type, algorithm and size; it becomes the
  // active version. Errors: key_missing, version_limit.
  result<key_info> rotate(std::string_view name);
  // A key given in the clear (development, merchant secrets agreed out of band, tests). A name
  // that exists gets a new version when type and algorithm match. Errors: bad_key_spec,
  // key_exists (different type or algorithm), version_limit, unsupported_algorithm.
  result<key_info> import_clear(key_spec spec, bytes_view material);
  // A key encrypted under the ZMK `zmk` (hsm/primitives.h, unwrap), accepted only when its check
  // value is `kcv` (six hex digits). Errors: as import_clear, and wrong_key_type (zmk is not a
  // ZMK), bad_input (size), verification_failed (AES unwrap), bad_kcv.
  result<key_info> import_wrapped(key_spec spec, key_ref zmk, bytes_view wrapped,
                                  std::string_view kcv);
  // Destroys an old version: what it signed or encrypted no longer verifies or decrypts.
  // Errors: key_missing, active_version.
  result<void> retire(std::string_view name, std::uint32_t version);
  // Every live key version, by name then version.
  result<std::vector<key_info>> list();
  // One key version (version 0: the active one).
  result<key_info> describe(key_ref key);

  // ---- operations (the data plane: concurrent, no exceptions) ----
  // HMAC over the concatenated `parts` under a key of type `purpose` (api_secret, pan_token or
  // file_signing). Errors: wrong_key_type, bad_input (over limits::hsm_hmac_input_size_max).
  result<digest> hmac(key_ref key, key_type purpose, std::span<const std::string_view> parts);
  // The ISO 8583 MAC of `message` under a TAK. Errors: wrong_key_type, bad_input (size).
  result<mac_value> mac(key_ref key, bytes_view message);
  // `block` (format `from_format` under ZPK `from`) re-enciphered as `to_format` under ZPK `to`.
  // Format 0 needs a 3DES ZPK, format 4 an AES or SM4 one. Errors: wrong_key_type, bad_input
  // (PAN, block size, a block that does not open to a valid PIN field).
  result<pin_block> translate_pin(key_ref from, pin_format from_format, key_ref to,
                                  pin_format to_format, const pin_block& block,
                                  std::string_view pan);
  // AES-256-GCM under a pan_data key: nonce || ciphertext || tag. Errors: wrong_key_type,
  // bad_input (over limits::hsm_data_size_max or limits::hsm_aad_size_max).
  result<std::vector<std::uint8_t>> encrypt(key_ref key, bytes_view plaintext, bytes_view aad);
  // Errors: wrong_key_type, bad_input, verification_failed (wrong key, AAD or damaged data).
  result<secure_bytes> decrypt(key_ref key, bytes_view sealed, bytes_view aad);

  // Versions of `name` that still exist, newest first (to verify under each during rotation).
  result<std::vector<std::uint32_t>> versions(std::string_view name);

  // Tests: fail the n-th operation from now (management and data plane alike).
  fault_plan& faults() noexcept { return faults_; }

 protected:
  // Adds a version of spec.name: generated when `material` is null, else that material. The
  // backend checks next_version() against what it holds, under its own serialisation.
  virtual result<key_info> do_create(const key_spec& spec, const secure_bytes* material,
                                     bool must_be_new) = 0;
  virtual result<key_info> do_import_wrapped(const key_spec& spec, key_ref zmk, bytes_view wrapped,
                                             std::string_view kcv) = 0;
  virtual result<void> do_retire(std::string_view name, std::uint32_t version) = 0;
  virtual result<std::vector<key_info>> do_list() = 0;
  virtual result<key_info> do_describe(key_ref key) = 0;
  virtual result<std::vector<std::uint32_t>> do_versions(std::string_view name) = 0;
  virtual result<digest> do_hmac(key_ref key, key_type purpose,
                                 std::span<const std::string_view> parts) = 0;
  virtual result<mac_value> do_mac(key_ref key, bytes_view message) = 0;
  virtual result<pin_block> do_translate_pin(key_ref from, pin_format from_format, key_ref to,
                                             pin_format to_format, const pin_block& block,
                                             std::string_view pan) = 0;
  virtual result<std::vector<std::uint8_t>> do_encrypt(key_ref key, bytes_view plaintext,
                                                       bytes_view aad) = 0;
  virtual result<secure_bytes> do_decrypt(key_ref key, bytes_view sealed, bytes_view aad) = 0;

 private:
  fault_plan faults_;
};

// The next version for `spec` given the versions that exist of its name (`existing`, any
// order): 1 for a new name; errc::key_exists when type or algorithm differ or `must_be_new`;
// errc::version_limit when the name is full. Shared by both backends' do_create.
result<std::uint32_t> next_version(const key_spec& spec, std::span<const key_info> existing,
                                   bool must_be_new);

// Unix seconds now: key_info::created_s of a key being created.
std::int64_t created_now_s() noexcept;

// The PIN block format a ZPK of this algorithm can carry: 3DES format 0, AES and SM4 format 4.
bool format_fits(pin_format f, key_algorithm a) noexcept;

}  // namespace sy::hsm
