// Loading and validation of the configuration, in one place: TOML text -> every diagnostic, and
// when there is no error an immutable snapshot. toml++ stays behind this header.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/diagnostic.h"

namespace sy::config {

// What the loader cannot know by itself. Currencies and card brands belong to the protocol
// module, which config may not use, so the caller passes lookups; an empty predicate checks the
// syntax only. Tests pass fakes.
struct validation_context {
  std::function<bool(std::string_view)> known_currency;  // `CNY` -> true
  std::function<bool(std::string_view)> known_brand;     // `visa` -> true
  // An IANA time zone name exists; the default looks in the system's zoneinfo directory.
  std::function<bool(std::string_view)> known_time_zone = system_time_zone_exists;
  // Resolves `env:NAME`; the default reads the process environment. `run` wraps it to supply
  // development secrets for the embedded default.
  std::function<std::optional<std::string>(std::string_view)> env = process_env;

  static bool system_time_zone_exists(std::string_view name);
  static std::optional<std::string> process_env(std::string_view name);
};

struct load_outcome {
  snapshot config;                      // null when any diagnostic is an error
  std::vector<diagnostic> diagnostics;  // errors and warnings, in file order per section

  bool ok() const noexcept { return config != nullptr; }
};

// Parses and validates `text`; `name` names it in diagnostics. Never throws on any input: a
// TOML syntax error, a type or bound violation, an unknown key, a broken cross-reference or an
// unresolvable secret are each a diagnostic.
load_outcome load_string(std::string_view text, std::string_view name,
                         const validation_context& context = {});

// Reads `path` (at most limits::config_file_size_max bytes; a larger, missing or unreadable
// file is one diagnostic) and loads it as load_string does.
load_outcome load_file(const std::string& path, const validation_context& context = {});

}  // namespace sy::config
