// `switchyard`: one binary for the switch and its operator tools, one subcommand each.
#include <CLI/CLI.hpp>

#include "gateway/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Switchyard: payment gateway and clearing switch", "switchyard"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "switchyard 0.1.0");

  sy::exit_code status = sy::exit_code::ok;
  sy::gateway::cli::add_run_command(app, status);
  sy::gateway::cli::add_config_commands(app, status);
  sy::gateway::cli::add_store_commands(app, status);
  sy::gateway::cli::add_clearing_commands(app, status);
  sy::gateway::cli::add_iso8583_commands(app, status);
  sy::gateway::cli::add_keys_commands(app, status);
  sy::gateway::cli::add_sim_commands(app, status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(sy::exit_code::usage);
  }
  return static_cast<int>(status);
}
