// Opening the configured HSM for the subcommands, and the start-up key check (hsm_context.h).
#include "gateway/cli/hsm_context.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>

#include "gateway/cli/config_context.h"
#include "hsm/errc.h"
#include "hsm/open.h"
#include "hsm/soft_backend.h"
#include "routing/sim/development_tak.h"

namespace sy::gateway::cli {
namespace {

std::string where(const config::config& c) {
  return c.hsm.backend == config::hsm_backend::soft ? "soft key store " + c.hsm.soft.key_store_path
                                                    : "PKCS#11 module " + c.hsm.pkcs11.module_path;
}

// Development only: a key store for the embedded default, created on first use.
void create_dev_key_store(const config::config& c) {
  if (c.hsm.backend != config::hsm_backend::soft) return;
  const std::string& path = c.hsm.soft.key_store_path;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (!hsm::soft_backend::create(path, c.hsm.soft.master_key.value())) {
    std::fprintf(stderr, "warning: created the development key store %s\n", path.c_str());
  }
}

// The development secret a channel's api_secret key shares with its simulator:
// SY_DEV_<NAME in upper case>, hex, e.g. SY_DEV_WALLET_SIM_SIGNING for `wallet_sim_signing`,
// which `make run` also hands to `switchyard sim wallet --secret env:...`.
std::optional<hsm::secure_bytes> shared_dev_secret(const std::string& key_name) {
  std::string variable = "SY_DEV_";
  for (const char c : key_name) variable += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  const auto hex = development_secret(variable);
  if (!hex) return std::nullopt;
  auto material = hsm::from_hex(*hex);
  if (!material) return std::nullopt;
  return std::move(*material);
}

// Development only: a missing key of the embedded default. A TAK is the bank simulator's
// development TAK, so the switch and `switchyard sim bank` (no --config) sign on together; a
// channel's signing secret is its development secret (shared_dev_secret); every other key is
// generated.
void create_dev_key(hsm::backend& b, const hsm::key_requirement& r) {
  const std::string_view type = hsm::to_string(r.type);
  if (r.type == hsm::key_type::api_secret) {
    const auto material = shared_dev_secret(r.name);
    if (material &&
        b.import_clear({r.name, r.type, hsm::default_algorithm(r.type), 0}, material->view())) {
      std::fprintf(stderr, "warning: imported the development secret of %s (%s)\n", r.name.c_str(),
                   r.used_by.c_str());
    }
    return;
  }
  if (r.type != hsm::key_type::tak) {
    if (b.generate({r.name, r.type, hsm::default_algorithm(r.type), 0})) {
      std::fprintf(stderr, "warning: generated the development key %s (%.*s)\n", r.name.c_str(),
                   static_cast<int>(type.size()), type.data());
    }
    return;
  }
  const auto material = hsm::from_hex(routing::sim::development_tak_hex);
  if (material && b.import_clear({r.name, r.type, routing::sim::development_tak_algorithm, 0},
                                 material->view())) {
    std::fprintf(stderr,
                 "warning: imported the bank simulator's development TAK as %s (KCV %.*s); "
                 "development only\n",
                 r.name.c_str(), static_cast<int>(routing::sim::development_tak_kcv.size()),
                 routing::sim::development_tak_kcv.data());
  }
}

// Development only: a TAK made before the pairing (generated at random) would leave every answer
// of the simulator unverified; say so rather than leave the link silently down.
void check_dev_tak(hsm::backend& b, const hsm::key_requirement& r) {
  const auto info = b.describe({r.name, 0});
  if (r.type != hsm::key_type::tak || !info || info->type != hsm::key_type::tak ||
      hsm::same_kcv(info->kcv, routing::sim::development_tak_kcv)) {
    return;
  }
  std::fprintf(stderr,
               "warning: the development key %s (KCV %s) is not the bank simulator's "
               "development TAK (KCV %.*s): `switchyard sim bank` without --config will not "
               "verify its MACs; remove the development key store to start afresh\n",
               r.name.c_str(), info->kcv.c_str(),
               static_cast<int>(routing::sim::development_tak_kcv.size()),
               routing::sim::development_tak_kcv.data());
}

}  // namespace

std::unique_ptr<hsm::backend> open_hsm(const config::config& c, exit_code& status) {
  auto b = hsm::open_backend(c.hsm);
  if (!b) {
    std::fprintf(stderr, "error: cannot open the %s: %s\n", where(c).c_str(),
                 b.error().message().c_str());
    status = exit_code::hsm_failure;
    return nullptr;
  }
  return std::move(*b);
}

std::unique_ptr<hsm::backend> open_hsm_for_start(const config::config& c, bool development) {
  if (development) create_dev_key_store(c);
  auto b = hsm::open_backend(c.hsm);
  if (!b) {
    fatal(exit_code::hsm_failure, "cannot open the " + where(c) + ": " + b.error().message());
  }
  const auto required = hsm::required_keys(c);
  for (const auto& r : required) {
    if (!development) continue;
    if ((*b)->describe({r.name, 0})) {
      check_dev_tak(**b, r);
    } else {
      create_dev_key(**b, r);
    }
  }
  const auto unmet = hsm::unmet_requirements(**b, required);
  if (!unmet.empty()) {
    std::string message = "the HSM (" + where(c) + ") lacks keys the configuration names:";
    for (const auto& line : unmet) message += " " + line + ";";
    fatal(exit_code::key_missing, message);
  }
  return std::move(*b);
}

}  // namespace sy::gateway::cli
