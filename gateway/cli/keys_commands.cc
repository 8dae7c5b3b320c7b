// `switchyard keys init|generate|import|rotate|retire|list|check`: the key store as operators run
// it. Every command prints names, versions, types and check values; never key material.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "config/limits.h"
#include "gateway/cli/commands.h"
#include "gateway/cli/config_context.h"
#include "gateway/cli/hsm_context.h"
#include "hsm/errc.h"
#include "hsm/open.h"
#include "hsm/soft_backend.h"

namespace sy::gateway::cli {
namespace {

struct key_options {
  std::string config_file;
  std::string name;
  std::string type;
  std::string algorithm;
  std::size_t size = 0;
  std::string under;    // import: the ZMK the key is encrypted under
  std::string wrapped;  // import: the encrypted key, hex
  std::string clear;    // import: env:NAME or file:PATH holding the clear key in hex
  std::string kcv;
  std::uint32_t version = 0;
};

void print_key(const hsm::key_info& k) {
  std::printf("%-32s v%-3u %-12.*s %-11.*s %3zu bytes  KCV %s%s\n", k.name.c_str(), k.version,
              static_cast<int>(to_string(k.type).size()), to_string(k.type).data(),
              static_cast<int>(to_string(k.algorithm).size()), to_string(k.algorithm).data(),
              k.size, k.kcv.c_str(), k.active ? "  active" : "");
}

// Loads the configuration and opens its HSM, or sets `status` and returns null.
std::unique_ptr<hsm::backend> open(const key_options& o, exit_code& status) {
  const config::snapshot loaded = load_config(o.config_file);
  if (!loaded) {
    status = exit_code::bad_config;
    return nullptr;
  }
  return open_hsm(*loaded, status);
}

// The spec of the command line, or a message and exit_code::usage.
std::optional<hsm::key_spec> spec_of(const key_options& o, exit_code& status) {
  const auto type = hsm::key_type_from_string(o.type);
  if (!type) {
    std::fprintf(stderr,
                 "error: --type must be one of zmk, zpk, tak, api_secret, pan_token, pan_data, "
                 "file_signing\n");
    status = exit_code::usage;
    return std::nullopt;
  }
  const auto algorithm = o.algorithm.empty() ? hsm::default_algorithm(*type)
                                             : hsm::key_algorithm_from_string(o.algorithm);
  if (!algorithm) {
    std::fprintf(stderr,
                 "error: --algorithm must be one of tdes, aes, hmac_sha256, sm4, hmac_sm3\n");
    status = exit_code::usage;
    return std::nullopt;
  }
  return hsm::key_spec{o.name, *type, *algorithm, o.size};
}

// Reports a key operation's outcome: the key's line, or the error and exit_code::failure.
void report(const result<hsm::key_info>& r, exit_code& status) {
  if (!r) {
    std::fprintf(stderr, "error: %s\n", r.error().message().c_str());
    status = exit_code::failure;
    return;
  }
  print_key(*r);
  status = exit_code::ok;
}

// The clear key named by env:NAME or file:PATH, as hex; the text is wiped once decoded.
result<hsm::secure_bytes> read_clear_key(const std::string& reference) {
  std::string text;
  if (reference.starts_with("env:")) {
    const char* value = std::getenv(reference.substr(4).c_str());
    if (value != nullptr) text = value;
  } else if (reference.starts_with("file:")) {
    std::ifstream in(reference.substr(5), std::ios::binary);
    std::getline(in, text);
  }
  if (text.size() > 2 * limits::hsm_key_size_max) text.clear();
  auto key = hsm::from_hex(text);
  hsm::wipe({reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
  if (!key || key->empty()) return make_error_code(hsm::errc::bad_input);
  return key;
}

void run_init(const key_options& o, exit_code& status) {
  const config::snapshot loaded = load_config(o.config_file);
  if (!loaded) {
    status = exit_code::bad_config;
    return;
  }
  if (loaded->hsm.backend == config::hsm_backend::pkcs11) {
    // Tokens are initialised with the HSM's own tools; here we check we can use this one.
    if (open_hsm(*loaded, status)) {
      std::printf("PKCS#11 token ready: %s\n", loaded->hsm.pkcs11.module_path.c_str());
      status = exit_code::ok;
    }
    return;
  }
  const std::string& path = loaded->hsm.soft.key_store_path;
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (auto e = hsm::soft_backend::create(path, loaded->hsm.soft.master_key.value())) {
    std::fprintf(stderr, "error: %s: %s\n", path.c_str(), e.message().c_str());
    status = exit_code::hsm_failure;
    return;
  }
  std::printf("created an empty key store at %s (master key from %s)\n", path.c_str(),
              std::string(loaded->hsm.soft.master_key.reference()).c_str());
  status = exit_code::ok;
}

void run_import(const key_options& o, exit_code& status) {
  auto spec = spec_of(o, status);
  if (!spec) return;
  if (o.clear.empty() == o.under.empty() ||
      (!o.under.empty() && (o.wrapped.empty() || o.kcv.empty()))) {
    std::fprintf(
        stderr,
        "error: give either --under ZMK --key HEX --kcv KCV, or --clear env:NAME|file:PATH\n");
    status = exit_code::usage;
    return;
  }
  auto hsm = open(o, status);
  if (!hsm) return;
  if (!o.under.empty()) {
    auto wrapped = hsm::from_hex(o.wrapped);
    if (!wrapped) {
      std::fprintf(stderr, "error: --key is not hex\n");
      status = exit_code::usage;
      return;
    }
    report(hsm->import_wrapped(*spec, {o.under, 0}, wrapped->view(), o.kcv), status);
    return;
  }
  auto clear = read_clear_key(o.clear);
  if (!clear) {
    std::fprintf(stderr, "error: %s does not hold a key in hex\n", o.clear.c_str());
    status = exit_code::usage;
    return;
  }
  auto imported = hsm->import_clear(*spec, clear->view());
  if (imported && !o.kcv.empty() && imported->kcv != o.kcv) {
    std::fprintf(stderr, "warning: the imported key's KCV %s differs from --kcv %s\n",
                 imported->kcv.c_str(), o.kcv.c_str());
  }
  report(imported, status);
}

void run_list(const key_options& o, exit_code& status) {
  auto hsm = open(o, status);
  if (!hsm) return;
  auto keys = hsm->list();
  if (!keys) {
    std::fprintf(stderr, "error: %s\n", keys.error().message().c_str());
    status = exit_code::hsm_failure;
    return;
  }
  for (const auto& k : *keys) print_key(k);
  std::printf("%zu key version(s) in the %.*s backend\n", keys->size(),
              static_cast<int>(hsm->kind().size()), hsm->kind().data());
  status = exit_code::ok;
}

void run_check(const key_options& o, exit_code& status) {
  const config::snapshot loaded = load_config(o.config_file);
  if (!loaded) {
    status = exit_code::bad_config;
    return;
  }
  auto hsm = open_hsm(*loaded, status);
  if (!hsm) return;
  const auto required = hsm::required_keys(*loaded);
  const auto unmet = hsm::unmet_requirements(*hsm, required);
  for (const auto& line : unmet) std::printf("%s\n", line.c_str());
  if (unmet.empty()) std::printf("ok: all %zu key(s) the configuration names\n", required.size());
  status = unmet.empty() ? exit_code::ok : exit_code::key_missing;
}

CLI::App* with_name(CLI::App* c, key_options& o) {
  c->add_option("name", o.name, "Key name ([A-Za-z0-9_-], the id the configuration uses)")
      ->required();
  return c;
}

void add_type_options(CLI::App* c, key_options& o) {
  c->add_option("--type", o.type, "zmk, zpk, tak, api_secret, pan_token, pan_data, file_signing")
      ->required();
  c->add_option("--algorithm", o.algorithm,
                "tdes, aes, hmac_sha256, sm4, hmac_sm3 (default: by type)");
  c->add_option("--size", o.size, "Key size in bytes (default: by algorithm)");
}

}  // namespace

void add_keys_commands(CLI::App& app, exit_code& status) {
  CLI::App* group = app.add_subcommand("keys", "Manage the HSM's keys (prints KCVs, never keys)");
  group->require_subcommand(1);
  auto o = std::make_shared<key_options>();
  group->add_option("--config", o->config_file,
                    "Configuration file (default: the embedded example)");

  group->add_subcommand("init", "Create an empty soft key store, or check the PKCS#11 token")
      ->callback([o, &status] { run_init(*o, status); });

  auto* generate =
      with_name(group->add_subcommand("generate", "Generate a key inside the HSM"), *o);
  add_type_options(generate, *o);
  generate->callback([o, &status] {
    auto spec = spec_of(*o, status);
    if (!spec) return;
    if (auto hsm = open(*o, status)) report(hsm->generate(*spec), status);
  });

  auto* import = with_name(
      group->add_subcommand("import", "Import a key encrypted under a ZMK (or a clear one)"), *o);
  add_type_options(import, *o);
  import->add_option("--under", o->under, "The ZMK the key is encrypted under");
  import->add_option("--key", o->wrapped, "The encrypted key, hex");
  import->add_option("--kcv", o->kcv, "The key's check value (six hex digits)");
  import->add_option("--clear", o->clear, "env:NAME or file:PATH holding the clear key in hex");
  import->callback([o, &status] { run_import(*o, status);
});

with_name(group->add_subcommand("rotate", "Generate a new active version of a key"), *o)
    ->callback([o, &status] {
      if (auto hsm = open(*o, status)) report(hsm->rotate(o->name), status);
    });

auto* retire = with_name(group->add_subcommand("retire", "Destroy an old version of a key"), *o);
retire->add_option("version", o->version, "The version to destroy")->required();
retire->callback([o, &status] {
  auto hsm = open(*o, status);
  if (!hsm) return;
  auto r = hsm->retire(o->name, o->version);
  if (!r) {
    std::fprintf(stderr, "error: %s\n", r.error().message().c_str());
    status = exit_code::failure;
    return;
  }
  std::printf("retired %s v%u\n", o->name.c_str(), o->version);
  status = exit_code::ok;
});

group->add_subcommand("list", "Every key version: type, algorithm, size, KCV")
    ->callback([o, &status] { run_list(*o, status); });

group->add_subcommand("check", "Whether the HSM holds every key the configuration names")
    ->callback([o, &status] { run_check(*o, status); });
}  // namespace sy::gateway::cli

}  // namespace sy::gateway::cli
