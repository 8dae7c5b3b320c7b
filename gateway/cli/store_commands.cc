// `switchyard store stat` and `switchyard store check`: the book of record as operators inspect
// it, from a running or stopped switch's data directory (LMDB allows readers beside the writer).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "clearing/store/environment.h"
#include "clearing/store/inspection.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/config_context.h"

namespace sy::gateway::cli {
namespace {

namespace store = clearing::store;

// Opens the store of FILE's configuration (the embedded default when empty); on failure prints
// why, sets `status` and returns null.
std::unique_ptr<store::environment> open_store(const std::string& file, exit_code& status) {
  const config::snapshot loaded = load_config(file);
  if (!loaded) {
    status = exit_code::bad_config;
    return nullptr;
  }
  // Opening creates a missing store; an inspection must not, so a path without LMDB's data file
  // is an error.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(loaded->storage.path) / "data.mdb",
                                        ec)) {
    std::fprintf(stderr, "error: no store at %s\n", loaded->storage.path.c_str());
    status = exit_code::store_unavailable;
    return nullptr;
  }
  auto env = store::environment::open(store::environment_options::from(loaded->storage));
  if (!env) {
    std::fprintf(stderr, "error: cannot open the store at %s: %s\n", loaded->storage.path.c_str(),
                 env.error().message().c_str());
    status = exit_code::store_unavailable;
    return nullptr;
  }
  return std::move(*env);
}

// Opens the store, runs `inspect` on it and prints its report; `verdict` turns the report into
// the exit code. Sets `status` in every case.
template <class Inspect, class Verdict>
void report_on_store(const std::string& file, exit_code& status, Inspect inspect, Verdict verdict) {
  const auto env = open_store(file, status);
  if (!env) return;
  const auto report = inspect(*env);
  if (!report) {
    std::fprintf(stderr, "error: %s\n", report.error().message().c_str());
    status = exit_code::store_unavailable;
    return;
  }
  std::printf("%s", store::to_string(*report).c_str());
  status = verdict(*report);
}

}  // namespace

void add_store_commands(CLI::App& app, exit_code& status) {
  CLI::App* group = app.add_subcommand("store", "Inspect the book of record");
  group->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  group->add_option("--config", *file, "Configuration file (default: the embedded example)");

  group->add_subcommand("stat", "Entries and pages per table, map and reader usage")
      ->callback([file, &status] {
        report_on_store(*file, status, store::stat,
                        [](const store::stat_report&) { return exit_code::ok; });
      });

  group->add_subcommand("check", "Verify every record's checksum in every table")
      ->callback([file, &status] {
        report_on_store(*file, status, store::check, [](const store::check_report& report) {
          return report.ok() ? exit_code::ok : exit_code::store_corrupt;
        });
      });
}

}  // namespace sy::gateway::cli
