// Request fingerprints for idempotency: a retry with the same key must carry the same method,
// path and body (specs/merchant-api.md, "Idempotency"); the store keeps only this digest.
#pragma once

#include <cstdint>
#include <string_view>

namespace sy::clearing::store {

struct fingerprint128 {
  std::uint64_t low = 0;
  std::uint64_t high = 0;

  friend bool operator==(const fingerprint128&, const fingerprint128&) = default;
};

// XXH3-128 over method, path and body, each preceded by its length as a little-endian u32 so that
// ("GET", "/a") and ("GE", "T/a") differ. Cannot fail.
fingerprint128 fingerprint(std::string_view method, std::string_view path,
                           std::string_view body) noexcept;

}  // namespace sy::clearing::store
