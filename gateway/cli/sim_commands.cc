// `switchyard sim bank` and `switchyard sim wallet`: the simulators that stand in for banks and
// providers in tests, demos and benchmarks. Each simulator is one subcommand of `sim`.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "clearing/output_file.h"
#include "gateway/cli/commands.h"
#include "routing/sim/bank_config.h"
#include "routing/sim/bank_responder.h"
#include "routing/sim/bank_server.h"
#include "routing/sim/development_tak.h"
#include "routing/sim/settlement_file.h"
#include "routing/sim/wallet_config.h"
#include "routing/sim/wallet_responder.h"
#include "routing/sim/wallet_server.h"

namespace sy::gateway::cli {
namespace {

namespace sim = routing::sim;

struct bank_options {
  std::string config_path;
  std::string listen;
  std::string settlement_dir;
  std::string business_date;
  std::int64_t seed = -1;  // -1: from the file (or its default)
};

// The configuration from the file (or defaults) with the flags on top, checked as a whole so a
// bad flag is reported like a bad key. Empty `errors` on success.
sim::bank_config bank_config_of(const bank_options& o, std::vector<std::string>& errors) {
  sim::bank_config config;
  if (o.config_path.empty()) {
    // No file: the partner of the switch's embedded default, MACs under the development TAK.
    config = sim::development_bank_config();
  } else {
    errors = sim::load_bank_config(o.config_path, config);
    if (!errors.empty()) return config;
  }
  if (!o.listen.empty()) config.listen = o.listen;
  if (!o.settlement_dir.empty()) config.settlement.dir = o.settlement_dir;
  if (!o.business_date.empty()) config.settlement.business_date = o.business_date;
  if (o.seed >= 0) config.seed = static_cast<std::uint64_t>(o.seed);
  errors = sim::validate(config);
  return config;
}

// Writes one file per business date the ledger holds (the configured date's file even when
// empty, so a test of a quiet day still finds one). Prints each path on stdout.
exit_code write_settlement(const sim::bank_responder& bank, std::ostream& out, std::ostream& err) {
  const auto& s = bank.config().settlement;
  std::vector<std::string> dates = bank.ledger().business_dates();
  if (!s.business_date.empty() && dates.empty()) dates.push_back(s.business_date);
  std::error_code ec;
  std::filesystem::create_directories(s.dir, ec);
  exit_code status = exit_code::ok;
  for (const auto& date : dates) {
    const auto text = sim::settlement_csv(bank.ledger(), date, s.discrepancies, bank.config().seed);
    const auto written =
        clearing::write_file_atomically(s.dir, sim::settlement_file_name(s.channel, date), text);
    if (written) {
      out << "settlement " << *written << "\n";
    } else {
      err << "error: settlement file in " << s.dir << ": " << written.error().message() << "\n";
      status = exit_code::failure;
    }
  }
  return status;
}

void print_stats(const sim::bank_stats& s, std::ostream& err) {
  err << "{\"level\":\"info\",\"component\":\"sim.bank\",\"event\":\"stopped\",\"requests\":"
      << s.requests << ",\"network\":" << s.network << ",\"approved\":" << s.approved
      << ",\"declined\":" << s.declined << ",\"timeouts\":" << s.timeouts
      << ",\"disconnects\":" << s.disconnects << ",\"malformed_sent\":" << s.malformed_sent
      << ",\"unreadable\":" << s.unreadable << ",\"ignored\":" << s.ignored
      << ",\"reversals_unmatched\":" << s.reversals_unmatched
      << ",\"ledger_full\":" << s.ledger_full << ",\"mac_failures\":" << s.mac_failures << "}\n";
}

// Says once, at start, that the MACs use the published development TAK, with its check value so
// it can be matched against `switchyard keys list`.
void warn_development_tak() {
  std::cerr << "{\"level\":\"warn\",\"component\":\"sim.bank\",\"event\":\"development_tak\","
               "\"kcv\":\""
            << sim::development_tak_kcv
            << "\",\"detail\":\"no --config: MACs under the development TAK, for development "
               "only\"}\n";
}

// Serves `server` (a bank_server or wallet_server) on `listen`, over TLS when `tls` names a
// certificate, until SIGINT or SIGTERM. Once bound, `on_bound` runs and the "listening HOST:PORT"
// line is printed. Returns ok after a stop, bad_config (the TLS files) or listen_failed.
template <class Server, class OnBound>
exit_code serve(Server& server, const std::string& listen, const sim::sim_tls_settings& tls,
                OnBound on_bound) {
  std::string host;
  std::uint16_t port = 0;
  sim::split_host_port(listen, host, port);  // validate() checked it
  server.stop_on_signals();
  if (!tls.certificate_path.empty()) {
    if (const auto used = server.use_tls(tls); !used) {
      std::cerr << "error: tls: " << used.error().message() << "\n";
      return exit_code::bad_config;
    }
  }
  const auto bound = server.listen(host, port);
  if (!bound) {
    std::cerr << "error: cannot listen on " << listen << ": " << bound.error().message() << "\n";
    return exit_code::listen_failed;
  }
  on_bound();
  // The first line of stdout, flushed at once: tests and scripts read the port from it.
  std::cout << "listening " << *bound << std::endl;
  server.run();
  return exit_code::ok;
}

exit_code run_bank(const bank_options& options) {
  std::vector<std::string> errors;
  const sim::bank_config config = bank_config_of(options, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << "error: " << e << "\n";
    return exit_code::bad_config;
  }
  sim::bank_responder bank(config);
  sim::bank_server server(bank);
  const auto served = serve(server, config.listen, config.tls, [&options] {
    if (options.config_path.empty()) warn_development_tak();
  });
  if (served != exit_code::ok) return served;
  print_stats(bank.stats(), std::cerr);
  if (config.settlement.dir.empty()) return exit_code::ok;
  return write_settlement(bank, std::cout, std::cerr);
}

void add_bank_command(CLI::App& sim_group, exit_code& status) {
  auto options = std::make_shared<bank_options>();
  CLI::App* bank = sim_group.add_subcommand(
      "bank", "a simulated bank on the ISO 8583 bank link, answering by rules from its config");
  bank->add_option("--config", options->config_path, "the simulator's TOML file");
  bank->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)");
  bank->add_option("--settlement-dir", options->settlement_dir,
                   "write the settlement file(s) here at shutdown");
  bank->add_option("--business-date", options->business_date,
                   "YYYY-MM-DD every approval belongs to (default: the UTC date)");
  bank->add_option("--seed", options->seed, "seed of every random draw")
      ->check(CLI::NonNegativeNumber);
  bank->callback([options, &status] { status = run_bank(*options); });
}

struct wallet_options {
  std::string config_path;
  std::string listen;
  std::string mode;
  std::string secret;
  std::string callback_url;
  std::int64_t seed = -1;
};

sim::wallet_config wallet_config_of(const wallet_options& o, std::vector<std::string>& errors) {
  sim::wallet_config config;
  if (!o.config_path.empty()) {
    errors = sim::load_wallet_config(o.config_path, config);
    if (!errors.empty()) return config;
  }
  if (!o.listen.empty()) config.listen = o.listen;
  if (o.mode == "sync") config.mode = sim::wallet_mode::sync;
  if (o.mode == "async") config.mode = sim::wallet_mode::async;
  if (!o.secret.empty()) config.secret = o.secret;
  if (!o.callback_url.empty()) config.callback_url = o.callback_url;
  if (o.seed >= 0) config.seed = static_cast<std::uint64_t>(o.seed);
  errors = sim::validate(config);
  return config;
}

void print_stats(const sim::wallet_stats& s, const sim::wallet_server_stats& n, std::ostream& err) {
  err << "{\"level\":\"info\",\"component\":\"sim.wallet\",\"event\":\"stopped\",\"requests\":"
      << s.requests << ",\"charges\":" << s.charges << ",\"refunds\":" << s.refunds
      << ",\"replays\":" << s.replays << ",\"status_queries\":" << s.status_queries
      << ",\"succeeded\":" << s.succeeded << ",\"failed\":" << s.failed
      << ",\"bad_signatures\":" << s.bad_signatures << ",\"conflicts\":" << s.conflicts
      << ",\"invalid\":" << s.invalid << ",\"timeouts\":" << s.timeouts
      << ",\"server_errors\":" << s.server_errors << ",\"malformed_sent\":" << s.malformed_sent
      << ",\"callbacks_sent\":" << n.callbacks_sent
      << ",\"callbacks_failed\":" << n.callbacks_failed
      << ",\"callbacks_lost\":" << s.callbacks_lost
      << ",\"callbacks_dropped\":" << n.callbacks_dropped << ",\"full\":" << s.full
      << ",\"connections\":" << n.connections_accepted << "}\n";
}

exit_code run_wallet(const wallet_options& options) {
  std::vector<std::string> errors;
  const sim::wallet_config config = wallet_config_of(options, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << "error: " << e << "\n";
    return exit_code::bad_config;
  }
  sim::wallet_responder wallet(config);
  sim::wallet_server server(wallet);
  const auto served = serve(server, config.listen, config.tls, [] {});
  if (served != exit_code::ok) return served;
  print_stats(wallet.stats(), server.stats(), std::cerr);
  return exit_code::ok;
}

void add_wallet_command(CLI::App& sim_group, exit_code& status) {
  auto options = std::make_shared<wallet_options>();
  CLI::App* wallet = sim_group.add_subcommand(
      "wallet", "a simulated wallet provider for the HTTP channel, sync or async (callbacks)");
  wallet->add_option("--config", options->config_path, "the simulator's TOML file");
  wallet->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)");
  wallet->add_option("--mode", options->mode, "sync or async")
      ->check(CLI::IsMember({"sync", "async"}));
  wallet->add_option("--secret", options->secret,
                     "the shared signing secret: hex, or env:NAME (prefer env: or the file)");
  wallet->add_option("--callback-url", options->callback_url,
                     "async: http://HOST:PORT/PATH the callbacks are POSTed to");
  wallet->add_option("--seed", options->seed, "seed of every random draw")
      ->check(CLI::NonNegativeNumber);
  wallet->callback([options, &status] { status = run_wallet(*options); });
}

}  // namespace

void add_sim_commands(CLI::App& app, exit_code& status) {
  CLI::App* sim_group =
      app.add_subcommand("sim", "simulators that stand in for banks and providers");
  sim_group->require_subcommand(1);
  add_bank_command(*sim_group, status);
  add_wallet_command(*sim_group, status);
}

}  // namespace sy::gateway::cli
