// Unsafe-to-go-on conditions: sy::fatal logs one JSON line to stderr and exits with the exit code
// of its reason, so operators and supervisors can tell the reasons apart without parsing text.
#pragma once

#include <string_view>

namespace sy {

// Process exit codes. 0-3 are ordinary command outcomes; 10 and up are fatal reasons.
enum class exit_code : int {
  ok = 0,
  failure = 1,             // a command ran and reported problems (e.g. `config check`)
  usage = 2,               // bad command line
  discrepancies = 3,       // `reconcile` found records that do not match
  bad_config = 10,         // configuration missing or invalid at start-up
  store_corrupt = 11,      // a checksum or index of the book of record does not verify
  store_unavailable = 12,  // the store cannot be opened
  key_missing = 13,        // a key the configuration names is not in the HSM
  hsm_failure = 14,        // the HSM backend cannot be initialised
  listen_failed = 15,      // a listener cannot bind
  assertion = 70,          // a bug: SY_VERIFY or SY_ASSERT failed
};

[[noreturn]] void fatal(exit_code reason, std::string_view message) noexcept;

}  // namespace sy
