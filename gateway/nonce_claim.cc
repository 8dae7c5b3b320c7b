// A request's nonce, written with the first unit the request commits or alone before its answer.
#include "gateway/nonce_claim.h"

#include <utility>

#include "clearing/store/errc.h"

namespace sy::gateway {

nonce_claim::nonce_claim(clearing::store::unit_of_work record) noexcept
    : record_(std::move(record)) {}

clearing::store::unit_of_work nonce_claim::carry(clearing::store::unit_of_work unit) {
  if (carried_) return unit;
  carried_ = true;
  unit.ops.insert(unit.ops.begin(), record_.ops.begin(), record_.ops.end());
  return unit;
}

bool nonce_claim::refused(const clearing::store::commit_outcome& outcome) {
  // The nonce's operations come first: a put_new of one of them found its key.
  if (outcome.error == clearing::store::errc::key_exists && outcome.op_index < record_.ops.size()) {
    return true;
  }
  carried_ = false;
  return false;
}

std::optional<clearing::store::unit_of_work> nonce_claim::take() {
  if (carried_) return std::nullopt;
  carried_ = true;
  return record_;
}

}  // namespace sy::gateway
