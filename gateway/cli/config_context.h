// How every subcommand gets its configuration: the loader's validation context (the protocol
// module's currency and brand lookups, which config itself may not use) and loading FILE or the
// embedded default with its diagnostics printed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/loader.h"

namespace sy::gateway::cli {

// Currencies and brands the switch knows, over the process environment.
config::validation_context validation_context();

// The development secret `name` (an SY_DEV_* name): the variable when set, else the contents of
// data/dev-secrets/NAME, created on first use as load_config describes. nullopt for other names
// or when the file cannot be made. For the embedded default only.
std::optional<std::string> development_secret(std::string_view name);

// Loads `file`, or the embedded default when `file` is empty, and prints every diagnostic to
// stderr. Only the embedded default gets development secrets: an unset SY_DEV_* variable is
// read from data/dev-secrets/NAME, created on first use (32 random bytes in hex, mode 0600), so
// `make run` needs no set-up while a real configuration never runs on made-up secrets.
// Returns null when the configuration has errors (after printing how many).
config::snapshot load_config(const std::string& file);

}  // namespace sy::gateway::cli
