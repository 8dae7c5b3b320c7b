// A request's nonce record on its way to the store (specs/merchant-api.md: a key id and nonce are
// used once within the window). Asio-free.
//
// Writing the nonce in a commit of its own made every payment wait for three fsync'd commits in
// turn (nonce, "sent", final). Instead the first unit the request commits carries the nonce's
// operations in front of its own, so both are durable in one commit or neither is; an answer sent
// before anything was committed (a GET, a refusal, a replayed answer) writes the nonce alone
// first. Either way the nonce is durable before the merchant hears anything and before a channel
// sees the request, and a replay finds it, even across a restart.
#pragma once

#include <optional>

#include "clearing/store/writer.h"

namespace sy::gateway {

class nonce_claim {
 public:
  // `record` is the nonce's own unit (clearing::remember_nonce).
  explicit nonce_claim(clearing::store::unit_of_work record) noexcept;

  // `unit` with the nonce's operations first while the nonce is still to be written; `unit`
  // unchanged once a unit carrying it is in flight or committed. A request passes its first unit
  // only: refused() reads a refusal as the carrying unit's.
  clearing::store::unit_of_work carry(clearing::store::unit_of_work unit);

  // How a unit that carried the nonce failed. True when it failed on the nonce: the nonce was
  // used already. Otherwise nothing of that unit was written, and the nonce is to be written again.
  bool refused(const clearing::store::commit_outcome& outcome);

  // The unit that carried the nonce never reached the writer: the nonce is to be written again.
  void unsubmitted() noexcept { carried_ = false; }

  // The nonce's own unit while nothing has carried it (and marks it carried); nullopt after.
  std::optional<clearing::store::unit_of_work> take();

 private:
  clearing::store::unit_of_work record_;
  bool carried_ = false;
};

}  // namespace sy::gateway
