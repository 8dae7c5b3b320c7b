// The HSM-backed message authenticator: hsm/message_mac.h under the channel's key.
#include "routing/link/message_authenticator.h"

#include "hsm/message_mac.h"

namespace sy::routing::link {

result<hsm::mac_value> hsm_authenticator::generate(hsm::bytes_view message) {
  return hsm::generate_message_mac(hsm_, key_name_, message);
}

result<void> hsm_authenticator::verify(hsm::bytes_view message, hsm::bytes_view mac) {
  auto version = hsm::verify_message_mac(hsm_, key_name_, message, mac);
  if (!version) return version.error();
  return {};
}

}  // namespace sy::routing::link
