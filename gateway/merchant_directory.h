// The merchants of one configuration snapshot as the API needs them: who an API key id belongs to,
// and the keys' secrets inside an HSM backend of their own, so request signatures are verified and
// answers signed through hsm/request_signature.h without the secret ever leaving the backend.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "config/result.h"
#include "hsm/backend.h"

namespace sy::gateway {

class merchant_directory {
 public:
  // Every active API key of `snapshot`'s merchants, its secret imported under the key's id into an
  // in-memory soft backend (the configuration is the secrets' source of truth, so they are loaded
  // at every start and reload and never written to a key store). Inactive keys are left out: a
  // request signed with one answers invalid_signature. Errors: the backend's import errors
  // (bad_key_spec for a secret out of the HMAC key size bounds).
  static result<std::unique_ptr<merchant_directory>> build(config::snapshot snapshot);

  // The merchant owning the active key `key_id`; nullptr for an unknown or inactive key.
  const config::merchant* merchant_of_key(std::string_view key_id) const noexcept;
  // The merchant with this id; nullptr when the configuration has none.
  const config::merchant* merchant(std::string_view merchant_id) const noexcept;

  // The backend holding the keys, each under its key id.
  hsm::backend& keys() noexcept { return *keys_; }

 private:
  merchant_directory(config::snapshot snapshot, std::unique_ptr<hsm::backend> keys);

  config::snapshot snapshot_;  // owns the merchants the maps point to
  std::unique_ptr<hsm::backend> keys_;
  std::unordered_map<std::string_view, const config::merchant*> by_key_;
  std::unordered_map<std::string_view, const config::merchant*> by_id_;
};

}  // namespace sy::gateway
