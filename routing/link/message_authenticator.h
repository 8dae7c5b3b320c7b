// The MAC of a channel's messages (DE 64/128), as the bank link needs it: an interface shaped like
// hsm/message_mac.h, so tests inject their own and production code wraps the HSM.
#pragma once

#include <string>

#include "config/result.h"
#include "hsm/backend.h"
#include "hsm/primitives.h"

namespace sy::routing::link {

class message_authenticator {
 public:
  virtual ~message_authenticator() = default;

  // The MAC of `message` (the bytes before the MAC field). Errors: the HSM's (key_missing,
  // wrong_key_type, bad_input, device errors).
  virtual result<hsm::mac_value> generate(hsm::bytes_view message) = 0;
  // Whether `mac` is the MAC of `message`. Errors: hsm::errc::verification_failed when it is
  // not; the HSM's others.
  virtual result<void> verify(hsm::bytes_view message, hsm::bytes_view mac) = 0;
};

// The HSM's message MAC under the channel's key (config channel.mac_key): every live key version
// verifies during a rotation (hsm::verify_message_mac). The backend must outlive it.
class hsm_authenticator final : public message_authenticator {
 public:
  hsm_authenticator(hsm::backend& hsm, std::string key_name)
      : hsm_(hsm), key_name_(std::move(key_name)) {}

  result<hsm::mac_value> generate(hsm::bytes_view message) override;
  result<void> verify(hsm::bytes_view message, hsm::bytes_view mac) override;

 private:
  hsm::backend& hsm_;
  std::string key_name_;
};

}  // namespace sy::routing::link
