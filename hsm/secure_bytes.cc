// Wiping key material: secure_bytes and the free wipe().
#include "hsm/secure_bytes.h"

#include <openssl/crypto.h>

namespace sy::hsm {

void wipe(std::span<std::uint8_t> bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

secure_bytes& secure_bytes::operator=(const secure_bytes& other) {
  if (this != &other) {
    wipe();
    bytes_ = other.bytes_;
  }
  return *this;
}

secure_bytes& secure_bytes::operator=(secure_bytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
  }
  return *this;
}

void secure_bytes::truncate(std::size_t size) noexcept {
  if (size >= bytes_.size()) return;
  hsm::wipe(std::span(bytes_).subspan(size));
  bytes_.resize(size);
}

void secure_bytes::wipe() noexcept {
  // The whole capacity: a vector that shrank keeps old bytes past size().
  if (bytes_.capacity() != 0) OPENSSL_cleanse(bytes_.data(), bytes_.capacity());
  bytes_.clear();
}

}  // namespace sy::hsm
