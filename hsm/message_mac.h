// ISO 8583 message MACs (specs/bank-link.md): DE 64/128 over the message bytes before the MAC
// field, under the channel's TAK; verification accepts every live version during rotation.
#pragma once

#include <cstdint>
#include <string_view>

#include "hsm/backend.h"

namespace sy::hsm {

// The MAC under the active version. Errors: key_missing, wrong_key_type, bad_input (size),
// device errors.
result<mac_value> generate_message_mac(backend& hsm, std::string_view key_name, bytes_view message);

// The version whose MAC of `message` is `mac` (constant-time comparison). Errors: key_missing,
// wrong_key_type, bad_input, verification_failed (no version matches; the bank link treats the
// response as not received), device errors.
result<std::uint32_t> verify_message_mac(backend& hsm, std::string_view key_name,
                                         bytes_view message, bytes_view mac);

}  // namespace sy::hsm
