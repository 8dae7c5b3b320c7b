// `switchyard config check FILE`: every diagnostic of a configuration file, one per line, then
// `ok` or the error count.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "gateway/cli/commands.h"
#include "gateway/cli/config_context.h"

namespace sy::gateway::cli {

void add_config_commands(CLI::App& app, exit_code& status) {
  CLI::App* group = app.add_subcommand("config", "Inspect configuration files");
  group->require_subcommand(1);
  CLI::App* check = group->add_subcommand("check", "Print every problem in FILE, or ok");
  auto file = std::make_shared<std::string>();
  check->add_option("FILE", *file, "Configuration file (TOML)")->required();
  check->callback([file, &status] {
    const config::load_outcome outcome = config::load_file(*file, validation_context());
    for (const auto& d : outcome.diagnostics) std::printf("%s\n", config::to_string(d).c_str());
    if (outcome.ok()) {
      std::printf("ok\n");
      status = exit_code::ok;
      return;
    }
    const std::size_t errors = config::error_count(outcome.diagnostics);
    std::printf("%zu error%s\n", errors, errors == 1 ? "" : "s");
    status = exit_code::failure;
  });
}

}  // namespace sy::gateway::cli
