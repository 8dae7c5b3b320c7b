// XXH3-128 request fingerprints with length-prefixed fields.
#include "clearing/store/fingerprint.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack instead of a malloc per request
#include <xxhash.h>

namespace sy::clearing::store {
namespace {

void update_field(XXH3_state_t& state, std::string_view field) noexcept {
  const auto size = static_cast<std::uint32_t>(field.size());
  const unsigned char prefix[4] = {
      static_cast<unsigned char>(size & 0xff), static_cast<unsigned char>((size >> 8) & 0xff),
      static_cast<unsigned char>((size >> 16) & 0xff), static_cast<unsigned char>(size >> 24)};
  XXH3_128bits_update(&state, prefix, sizeof prefix);
  XXH3_128bits_update(&state, field.data(), field.size());
}

}  // namespace

fingerprint128 fingerprint(std::string_view method, std::string_view path,
                           std::string_view body) noexcept {
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  update_field(state, method);
  update_field(state, path);
  update_field(state, body);
  const XXH128_hash_t digest = XXH3_128bits_digest(&state);
  return {digest.low64, digest.high64};
}

}  // namespace sy::clearing::store
