// The soft backend's key-store file: every key record, AES-256-GCM encrypted under a key derived
// (HKDF-SHA256) from the master secret, replaced atomically (temporary file, fsync, rename).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/result.h"
#include "hsm/key.h"
#include "hsm/secure_bytes.h"

namespace sy::hsm::detail {

struct stored_key {
  key_info info;
  secure_bytes material;
};

class key_store_file {
 public:
  // The file key of a master secret. Errors: crypto_failure.
  static result<secure_bytes> derive_key(std::string_view master_secret);
  // Every record of the file. Errors: key_store_missing, key_store_io, key_store_corrupt (not a
  // key store, or a record that does not parse), wrong_master_key (the tag does not verify).
  static result<std::vector<stored_key>> load(const std::string& path, const secure_bytes& key);
  // Replaces the file with `keys`, atomically. Errors: key_store_io, crypto_failure.
  static error_code save(const std::string& path, const secure_bytes& key,
                         std::span<const stored_key> keys);
};

// An exclusive advisory lock on `path`.lock, so two `switchyard keys` commands (or a command and
// the switch) never interleave their read-modify-write of the key store.
class key_store_lock {
 public:
  explicit key_store_lock(const std::string& path);
  key_store_lock(const key_store_lock&) = delete;
  key_store_lock& operator=(const key_store_lock&) = delete;
  ~key_store_lock();
  bool locked() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace sy::hsm::detail
