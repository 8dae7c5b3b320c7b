// How subcommands reach the HSM the configuration names: opening it with a message on failure,
// and the start-up key check that `run` makes fatal.
#pragma once

#include <memory>

#include "config/config.h"
#include "config/fatal.h"
#include "hsm/backend.h"

namespace sy::gateway::cli {

// The configured backend, or null after printing why (the soft key store's absence names
// `switchyard keys init`); `status` gets exit_code::hsm_failure then.
std::unique_ptr<hsm::backend> open_hsm(const config::config& c, exit_code& status);

// For `run`: the configured backend with every key the configuration names, or a fatal exit
// (hsm_failure, key_missing) that names each missing key. With the embedded default
// (`development`), a missing soft key store is created and missing keys are made, each with a
// warning, so `make run` needs no set-up: a TAK is the bank simulator's development TAK
// (routing/sim/development_tak.h), any other key is generated. A named configuration never gets
// made-up keys.
std::unique_ptr<hsm::backend> open_hsm_for_start(const config::config& c, bool development);

}  // namespace sy::gateway::cli
