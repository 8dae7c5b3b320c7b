// Sealing and verifying record envelopes: the fixed little-endian header and the XXH3 checksum.
#include "clearing/store/envelope.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack instead of a malloc per record
#include <xxhash.h>

#include "clearing/store/errc.h"
#include "config/assert.h"

namespace sy::clearing::store {
namespace {

void put_u16(char* out, std::uint16_t v) noexcept {
  out[0] = static_cast<char>(v & 0xff);
  out[1] = static_cast<char>(v >> 8);
}

void put_u32(char* out, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_u64(char* out, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* in, int size) noexcept {
  std::uint64_t v = 0;
  for (int i = size - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::uint64_t checksum(table t, std::string_view key, std::uint8_t kind,
                       std::string_view payload) noexcept {
  char prefix[7];
  prefix[0] = static_cast<char>(t);
  prefix[1] = static_cast<char>(envelope_format);
  prefix[2] = static_cast<char>(kind);
  put_u32(prefix + 3, static_cast<std::uint32_t>(key.size()));
  char payload_size[4];
  put_u32(payload_size, static_cast<std::uint32_t>(payload.size()));
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, prefix, sizeof prefix);
  XXH3_64bits_update(&state, key.data(), key.size());
  XXH3_64bits_update(&state, payload_size, sizeof payload_size);
  XXH3_64bits_update(&state, payload.data(), payload.size());
  return XXH3_64bits_digest(&state);
}

}  // namespace

void seal(table t, std::string_view key, std::uint8_t kind, std::string_view payload,
          char* out) noexcept {
  SY_ASSERT(payload.size() <= UINT32_MAX && key.size() <= UINT32_MAX);
  out[0] = static_cast<char>(envelope_format);
  out[1] = static_cast<char>(kind);
  put_u16(out + 2, 0);
  put_u32(out + 4, static_cast<std::uint32_t>(payload.size()));
  put_u64(out + 8, checksum(t, key, kind, payload));
  if (!payload.empty()) payload.copy(out + envelope_header_size, payload.size());
}

std::string seal(table t, std::string_view key, std::uint8_t kind, std::string_view payload) {
  std::string out(envelope_size(payload.size()), '\0');
  seal(t, key, kind, payload, out.data());
  return out;
}

result<record_view> unseal(table t, std::string_view key, std::string_view value) noexcept {
  if (value.size() < envelope_header_size) return errc::corrupt_record;
  const char* h = value.data();
  const auto format = static_cast<std::uint8_t>(h[0]);
  const auto kind = static_cast<std::uint8_t>(h[1]);
  if (format != envelope_format || get_le(h + 2, 2) != 0) return errc::corrupt_record;
  const std::uint64_t length = get_le(h + 4, 4);
  if (length != value.size() - envelope_header_size) return errc::corrupt_record;
  const std::string_view payload = value.substr(envelope_header_size);
  if (get_le(h + 8, 8) != checksum(t, key, kind, payload)) return errc::corrupt_record;
  return record_view{kind, payload};
}

}  // namespace sy::clearing::store
