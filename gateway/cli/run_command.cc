// `switchyard run [--config FILE]`: load and validate the configuration (FILE or the embedded
// default, which also gets a development TLS certificate on first start), check the HSM's keys,
// print what the switch serves, and run it (switch_service.h) until SIGINT or SIGTERM; SIGHUP
// loads the same source again.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <optional>
#include <string>

#include "gateway/cli/commands.h"
#include "gateway/cli/config_context.h"
#include "gateway/cli/dev_certificate.h"
#include "gateway/cli/hsm_context.h"
#include "gateway/switch_service.h"

namespace sy::gateway::cli {
namespace {

std::string endpoint_text(const config::endpoint& e) {
  const bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

void print_merchants(const config::config& c) {
  std::printf("  merchants     %zu\n", c.merchants.size());
  for (const auto& m : c.merchants) {
    std::size_t active = 0;
    for (const auto& k : m.api_keys) active += k.active ? 1 : 0;
    std::printf("    %-14s %s, MCC %s, %zu active key%s%s\n", m.id.c_str(), m.name.c_str(),
                m.mcc.c_str(), active, active == 1 ? "" : "s", m.risk.frozen ? ", FROZEN" : "");
    for (const auto& k : m.api_keys) {
      std::printf("      key %s (%s)%s\n", k.id.c_str(),
                  std::string(k.key_secret.reference()).c_str(), k.active ? "" : " inactive");
    }
  }
}

void print_channels(const config::config& c) {
  std::printf("  channels      %zu\n", c.channels.size());
  for (const auto& ch : c.channels) {
    if (ch.kind == config::channel_kind::http) {
      std::printf("    %-14s http %s, %lld connection(s), request timeout %lld ms\n", ch.id.c_str(),
                  ch.base_url.c_str(), static_cast<long long>(ch.connection_count),
                  static_cast<long long>(ch.request_timeout_ms));
      continue;
    }
    std::string endpoints;
    for (const auto& e : ch.endpoints)
      endpoints += (endpoints.empty() ? "" : ", ") + endpoint_text(e);
    std::printf(
        "    %-14s iso8583 %s (%s, %s, %s%s), %lld connection(s), request timeout %lld ms\n",
        ch.id.c_str(), endpoints.c_str(),
        ch.spec == config::iso8583_spec::iso87 ? "iso87" : "iso93",
        ch.frame == config::framing::binary2 ? "binary2" : "ascii4",
        ch.tls.enabled ? "TLS" : "plain TCP", ch.mac_key ? ", MAC" : "",
        static_cast<long long>(ch.connection_count), static_cast<long long>(ch.request_timeout_ms));
  }
}

void print_routes(const config::config& c) {
  std::printf("  routes        %zu (first match wins)\n", c.routes.size());
  for (const auto& r : c.routes) {
    std::string targets;
    for (const auto& ch : r.channels) targets += (targets.empty() ? "" : ", ") + ch;
    std::printf("    %-14s -> %s\n", r.id.c_str(), targets.c_str());
  }
}

void print_summary(const config::config& c) {
  std::printf("switchyard: configuration %s is valid\n", c.source_name.c_str());
  std::printf("  merchant API  https://%s:%u (TLS %s and up)\n",
              c.listen.merchant_api.address.c_str(), c.listen.merchant_api.port,
              c.tls.min_version == config::tls_version::tls1_2 ? "1.2" : "1.3");
  std::printf("  admin         http://%s:%u\n", c.listen.admin.address.c_str(),
              c.listen.admin.port);
  if (c.workers.count == 0) {
    std::printf("  workers       one per core\n");
  } else {
    std::printf("  workers       %lld\n", static_cast<long long>(c.workers.count));
  }
  std::printf("  store         %s\n", c.storage.path.c_str());
  print_merchants(c);
  print_channels(c);
  print_routes(c);
  std::printf("  clearing      cutoff %02u:%02u %s, grace %lld s, files in %s\n",
              c.clearing.cutoff.hour, c.clearing.cutoff.minute, c.clearing.time_zone.c_str(),
              static_cast<long long>(c.clearing.grace_s), c.clearing.output_dir.c_str());
  if (c.hsm.backend == config::hsm_backend::soft) {
    std::printf("  hsm           soft, key store %s, master key %s\n",
                c.hsm.soft.key_store_path.c_str(),
                std::string(c.hsm.soft.master_key.reference()).c_str());
  } else {
    std::printf("  hsm           pkcs11 %s, PIN %s\n", c.hsm.pkcs11.module_path.c_str(),
                std::string(c.hsm.pkcs11.pin.reference()).c_str());
  }
}

}  // namespace

void add_run_command(CLI::App& app, exit_code& status) {
  CLI::App* run = app.add_subcommand("run", "Validate the configuration and start the switch");
  auto file = std::make_shared<std::string>();
  run->add_option("--config", *file, "Configuration file (default: the embedded example)");
  auto ports = std::make_shared<std::array<std::optional<std::uint16_t>, 2>>();
  run->add_option("--merchant-port", (*ports)[0],
                  "Serve the merchant API on this port instead (0: the kernel picks)");
  run->add_option("--admin-port", (*ports)[1],
                  "Serve the admin endpoints on this port instead (0: the kernel picks)");
  run->callback([file, ports, &status] {
    config::snapshot loaded = load_config(*file);
    if (!loaded) {
      std::fprintf(stderr, "not starting\n");
      status = exit_code::bad_config;
      return;
    }
    if ((*ports)[0] || (*ports)[1]) {
      auto overridden = std::make_shared<config::config>(*loaded);
      if ((*ports)[0]) overridden->listen.merchant_api.port = *(*ports)[0];
      if ((*ports)[1]) overridden->listen.admin.port = *(*ports)[1];
      loaded = std::move(overridden);
    }
    // A missing key at start-up is fatal (exit_code::key_missing), naming the key.
    const bool development = file->empty();
    const auto hsm = open_hsm_for_start(*loaded, development);
    if (development && !ensure_development_certificate(loaded->tls)) {
      status = exit_code::listen_failed;
      return;
    }
    print_summary(*loaded);
    status = run_switch(loaded, *hsm, [file] { return load_config(*file); });
  });
}

}  // namespace sy::gateway::cli
