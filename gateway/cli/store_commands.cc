// `switchyard store stat` and `switchyard store check`: the book of record as operators inspect
// it, from a running or stopped switch's data directory, opened read-only beside the writer.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "clearing/book_check.h"
#include "clearing/store/environment.h"
#include "clearing/store/errc.h"
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
  // Read-only: nothing is created (a missing or empty store directory is an error, ENOENT), and
  // LMDB's write lock is never taken, so a running switch keeps writing undisturbed.
  auto options = store::environment_options::from(loaded->storage);
  options.read_only = true;
  auto env = store::environment::open(std::move(options));
  if (!env) {
    std::fprintf(stderr, "error: cannot open the store at %s: %s\n", loaded->storage.path.c_str(),
                 env.error().message().c_str());
    status =
        store::is_corruption(env.error()) ? exit_code::store_corrupt : exit_code::store_unavailable;
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

// Every envelope, then every typed record against its key and the other tables.
result<store::check_report> check_everything(const store::environment& env) {
  auto report = store::check(env);
  if (!report) return report;
  if (auto checked = clearing::check_book(env, *report); !checked) return checked.error();
  return report;
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

  group->add_subcommand("check", "Verify every record's checksum, layout and cross-table index")
      ->callback([file, &status] {
        report_on_store(*file, status, check_everything, [](const store::check_report& report) {
          return report.ok() ? exit_code::ok : exit_code::store_corrupt;
        });
      });
}

}  // namespace sy::gateway::cli
