// The soft backend: keys in a key-store file encrypted under a local master key, held in process
// memory (wiped when freed) while the switch runs. For development, tests and small deployments;
// the boundary it offers is the process, not tamper-resistant hardware.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "hsm/backend.h"
#include "hsm/detail/key_store_file.h"

namespace sy::hsm {

class soft_backend final : public backend {
 public:
  // Creates an empty key store at `path`. Errors: key_store_exists, key_store_io, crypto_failure.
  static error_code create(const std::string& path, std::string_view master_secret);
  // Opens the key store at `path`. Errors: key_store_missing, key_store_io, key_store_corrupt,
  // wrong_master_key.
  static result<std::unique_ptr<soft_backend>> open(const std::string& path,
                                                    std::string_view master_secret);

  // A backend with no key-store file: keys live in this process only and die with it. For keys
  // whose source of truth is elsewhere and which are loaded at every start, such as the merchant
  // API secrets of the configuration (gateway/merchant_keys.h).
  static std::unique_ptr<soft_backend> in_memory();

  std::string_view kind() const noexcept override { return "soft"; }

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
  using key_map = std::map<std::string, std::vector<detail::stored_key>, std::less<>>;

  soft_backend(std::string path, secure_bytes file_key) noexcept
      : path_(std::move(path)), file_key_(std::move(file_key)) {}
  // The key under `key` when it has type `type`; key_missing or wrong_key_type otherwise. The
  // caller holds keys_mutex_ (shared) while it uses the result.
  result<const detail::stored_key*> find(key_ref key, key_type type) const;
  // Re-reads the file under the store lock, applies `change`, saves, and swaps the result in.
  template <class Change>
  error_code modify(Change change);
  void install(std::vector<detail::stored_key> keys);
  std::vector<detail::stored_key> current_keys() const;

  std::string path_;  // empty: in memory
  secure_bytes file_key_;
  std::mutex manage_mutex_;  // one management operation at a time in this process
  mutable std::shared_mutex keys_mutex_;
  key_map keys_;  // versions ascending
};

}  // namespace sy::hsm
