// ISO 8583 MAC generation and verification over the backend's TAK operation.
#include "hsm/message_mac.h"

#include <openssl/crypto.h>

#include "hsm/errc.h"

namespace sy::hsm {

result<mac_value> generate_message_mac(backend& hsm, std::string_view key_name,
                                       bytes_view message) {
  return hsm.mac({key_name, 0}, message);
}

result<std::uint32_t> verify_message_mac(backend& hsm, std::string_view key_name,
                                         bytes_view message, bytes_view mac) {
  if (mac.size() != mac_value{}.size()) return make_error_code(errc::verification_failed);
  auto versions = hsm.versions(key_name);
  if (!versions) return versions.error();
  for (const auto version : *versions) {
    auto expected = hsm.mac({key_name, version}, message);
    if (!expected) return expected.error();
    if (CRYPTO_memcmp(expected->data(), mac.data(), mac.size()) == 0) return version;
  }
  return make_error_code(errc::verification_failed);
}

}  // namespace sy::hsm
