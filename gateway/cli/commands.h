// The `switchyard` subcommands. Each adder registers its subcommands on `app`; when one runs, its
// callback stores the process exit code in `status` (see config/fatal.h for the codes).
#pragma once

#include <CLI/App.hpp>

#include "config/fatal.h"

namespace sy::gateway::cli {

// `switchyard run [--config FILE]`: validate the configuration (the embedded default when no
// file is named) and start the switch.
void add_run_command(CLI::App& app, exit_code& status);

// `switchyard config check FILE`: print every problem in FILE, or `ok`.
void add_config_commands(CLI::App& app, exit_code& status);

// `switchyard store [--config FILE] stat|check`: table sizes and map usage, or a walk verifying
// every record's checksum, of the store the configuration names.
void add_store_commands(CLI::App& app, exit_code& status);

// `switchyard clear --date D`, `switchyard reconcile --channel C --date D --file F` and
// `switchyard discrepancies list|resolve`: clearing and reconciliation (docs/clearing.md).
void add_clearing_commands(CLI::App& app, exit_code& status);

// `switchyard keys init|generate|import|rotate|retire|list|check`: the HSM's keys (KCVs, never
// key material).
void add_keys_commands(CLI::App& app, exit_code& status);

// `switchyard iso8583 decode|encode`: the operators' ISO 8583 tools.
void add_iso8583_commands(CLI::App& app, exit_code& status);

// `switchyard sim bank`: the simulated bank of the ISO 8583 bank link (docs/bank-link.md,
// "Bank simulator").
void add_sim_commands(CLI::App& app, exit_code& status);

}  // namespace sy::gateway::cli
