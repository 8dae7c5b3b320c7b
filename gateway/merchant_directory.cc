// Merchant lookups by API key id and merchant id, and the in-memory backend of the API secrets.
#include "gateway/merchant_directory.h"

#include "hsm/soft_backend.h"

namespace sy::gateway {

result<std::unique_ptr<merchant_directory>> merchant_directory::build(config::snapshot snapshot) {
  std::unique_ptr<hsm::backend> keys = hsm::soft_backend::in_memory();
  for (const auto& m : snapshot->merchants) {
    for (const auto& k : m.api_keys) {
      if (!k.active) continue;
      const auto secret = k.key_secret.value();
      const hsm::key_spec spec{k.id, hsm::key_type::api_secret, hsm::key_algorithm::hmac_sha256,
                               secret.size()};
      const auto imported = keys->import_clear(
          spec, {reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()});
      if (!imported) return imported.error();
    }
  }
  return std::unique_ptr<merchant_directory>(
      new merchant_directory(std::move(snapshot), std::move(keys)));
}

merchant_directory::merchant_directory(config::snapshot snapshot,
                                       std::unique_ptr<hsm::backend> keys)
    : snapshot_(std::move(snapshot)), keys_(std::move(keys)) {
  for (const auto& m : snapshot_->merchants) {
    by_id_.emplace(m.id, &m);
    for (const auto& k : m.api_keys) {
      if (k.active) by_key_.emplace(k.id, &m);
    }
  }
}

const config::merchant* merchant_directory::merchant_of_key(
    std::string_view key_id) const noexcept {
  const auto it = by_key_.find(key_id);
  return it == by_key_.end() ? nullptr : it->second;
}

const config::merchant* merchant_directory::merchant(std::string_view merchant_id) const noexcept {
  const auto it = by_id_.find(merchant_id);
  return it == by_id_.end() ? nullptr : it->second;
}

}  // namespace sy::gateway
