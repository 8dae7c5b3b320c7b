// The default configuration (config/switchyard.example.toml), compiled into the binary so that
// `switchyard run` works without a file.
#pragma once

#include <string_view>

namespace sy::config {

// The text of config/switchyard.example.toml as it was at build time.
std::string_view embedded_default() noexcept;

// The name diagnostics give it.
inline constexpr std::string_view embedded_default_name = "switchyard.example.toml (embedded)";

}  // namespace sy::config
