// Choosing and opening the backend the configuration names, and the keys the configuration
// needs at start-up (a missing one is fatal: exit_code::key_missing).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "hsm/backend.h"

namespace sy::hsm {

// The backend of `settings`. Errors: the soft backend's open errors (key_store_missing, ...),
// the PKCS#11 backend's (module not loadable, token_missing, PIN refused as a device error).
result<std::unique_ptr<backend>> open_backend(const config::hsm_settings& settings);

// A key the configuration names, with the type it must have and who uses it.
struct key_requirement {
  std::string name;
  key_type type = key_type::tak;
  std::string used_by;  // e.g. `channel "bank_sim" mac_key`
};

// Channel MAC keys (tak), HTTP channel signing keys (api_secret) and the clearing files' signing
// key (file_signing).
std::vector<key_requirement> required_keys(const config::config& c);

// One line per requirement the backend does not meet (missing, wrong type, device error);
// empty when all are met. Lines name keys and types, never material.
std::vector<std::string> unmet_requirements(backend& hsm,
                                            std::span<const key_requirement> requirements);

}  // namespace sy::hsm
