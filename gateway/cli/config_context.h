// The validation context the CLI hands the config loader: the protocol module's currency and
// card brand lookups, which config itself may not use.
#pragma once

#include "config/loader.h"

namespace sy::gateway::cli {

// Currencies and brands the switch knows, over the process environment.
config::validation_context validation_context();

}  // namespace sy::gateway::cli
