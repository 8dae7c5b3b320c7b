// Reading and checking the wallet simulator's TOML configuration (toml++ through
// routing/sim/config_reader.h); every problem is one message naming the key and the bound.
#include "routing/sim/wallet_config.h"

#include <cstdlib>

#include "config/limits.h"
#include "hsm/primitives.h"
#include "protocol/payment_types.h"
#include "routing/http/provider_protocol.h"
#include "routing/sim/config_reader.h"

namespace sy::routing::sim {
namespace {

using detail::check_range;
using detail::check_rate;
using detail::number;
using detail::reader;

void read_faults(reader& r, const toml::table& t, wallet_fault_settings& out) {
  r.known_keys(t, "faults.",
               {"timeout_rate", "server_error_rate", "malformed_rate", "lost_callback_rate"});
  r.rate(t, "faults.", "timeout_rate", out.timeout_rate);
  r.rate(t, "faults.", "server_error_rate", out.server_error_rate);
  r.rate(t, "faults.", "malformed_rate", out.malformed_rate);
  r.rate(t, "faults.", "lost_callback_rate", out.lost_callback_rate);
}

void read_rules(reader& r, const toml::table& t, wallet_rule_settings& out) {
  r.known_keys(t, "rules.", {"fail_amount"});
  if (t.contains("fail_amount")) out.fail_amount.clear();
  r.tables(t, "rules.", "fail_amount", [&](const toml::table& e, const std::string& at) {
    r.known_keys(e, at, {"suffix", "reason"});
    fail_rule rule;
    r.text(e, at, "suffix", rule.suffix);
    r.text(e, at, "reason", rule.reason);
    out.fail_amount.push_back(std::move(rule));
  });
}

void read_top(reader& r, const toml::table& t, wallet_config& out) {
  r.known_keys(t, "",
               {"listen", "mode", "secret", "callback_url", "callback_delay_ms", "idle_timeout_ms",
                "seed", "latency", "faults", "rules", "tls"});
  r.text(t, "", "listen", out.listen);
  std::string mode;
  r.text(t, "", "mode", mode);
  if (mode == "sync") out.mode = wallet_mode::sync;
  if (mode == "async") out.mode = wallet_mode::async;
  if (!mode.empty() && mode != "sync" && mode != "async") {
    r.error("mode", "\"" + mode + "\" is not one of \"sync\", \"async\"");
  }
  r.text(t, "", "secret", out.secret);
  r.text(t, "", "callback_url", out.callback_url);
  r.integer(t, "", "callback_delay_ms", out.callback_delay_ms);
  r.integer(t, "", "idle_timeout_ms", out.idle_timeout_ms);
  std::int64_t seed = static_cast<std::int64_t>(out.seed);
  r.integer(t, "", "seed", seed);
  out.seed = static_cast<std::uint64_t>(seed);
  if (const auto* l = r.table_at(t, "latency")) detail::read_latency(r, *l, out.latency);
  if (const auto* f = r.table_at(t, "faults")) read_faults(r, *f, out.faults);
  if (const auto* x = r.table_at(t, "rules")) read_rules(r, *x, out.rules);
  if (const auto* x = r.table_at(t, "tls")) detail::read_tls(r, *x, out.tls);
}

bool all_digits(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

// The secret's bytes from hex or env:NAME, or a message that never repeats the value.
std::string resolve_secret(wallet_config& c) {
  std::string_view hex = c.secret;
  if (hex.starts_with("env:")) {
    const std::string name(hex.substr(4));
    const char* value = name.empty() || name.size() > limits::env_name_size_max
                            ? nullptr
                            : std::getenv(name.c_str());
    if (value == nullptr) return "secret: environment variable \"" + name + "\" is not set";
    hex = value;
  }
  const auto bytes = hsm::from_hex(hex);
  if (!bytes || bytes->size() < limits::hsm_hmac_key_size_min ||
      bytes->size() > limits::hsm_hmac_key_size_max) {
    return "secret: is not hex of " + std::to_string(limits::hsm_hmac_key_size_min) + " to " +
           std::to_string(limits::hsm_hmac_key_size_max) + " bytes";
  }
  c.secret_bytes.assign(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return {};
}

void check_callback(std::vector<std::string>& errors, const wallet_config& c) {
  if (c.mode == wallet_mode::async || !c.callback_url.empty()) {
    const auto url = http::parse_base_url(c.callback_url);
    if (!url || url->tls) {
      errors.push_back("callback_url: \"" +
                       c.callback_url.substr(0, limits::config_quoted_value_size_max) +
                       "\" is not http://HOST:PORT/PATH (required in async mode)");
    }
  }
  check_range(errors, "callback_delay_ms", c.callback_delay_ms, 0,
              limits::sim_callback_delay_ms_max);
}

void check_rules(std::vector<std::string>& errors, const wallet_rule_settings& rules) {
  check_range(errors, "rules.fail_amount (count)",
              static_cast<std::int64_t>(rules.fail_amount.size()), 0,
              static_cast<std::int64_t>(limits::sim_rule_count_max));
  for (std::size_t i = 0; i < rules.fail_amount.size(); ++i) {
    const auto at = "rules.fail_amount[" + std::to_string(i) + "].";
    const auto& rule = rules.fail_amount[i];
    if (!all_digits(rule.suffix) || rule.suffix.size() > limits::sim_amount_suffix_digits_max) {
      errors.push_back(at + "suffix: \"" + rule.suffix + "\" is not 1 to " +
                       std::to_string(limits::sim_amount_suffix_digits_max) + " digits");
    }
    if (!protocol::decline_from_string(rule.reason)) {
      errors.push_back(at + "reason: \"" + rule.reason + "\" is not a decline code");
    }
  }
}

}  // namespace

std::vector<std::string> validate(wallet_config& c) {
  std::vector<std::string> errors;
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(c.listen, host, port)) {
    errors.push_back("listen: \"" + c.listen + "\" is not HOST:PORT with a port 0 to 65535");
  }
  if (auto e = resolve_secret(c); !e.empty()) errors.push_back(std::move(e));
  check_callback(errors, c);
  check_range(errors, "idle_timeout_ms", c.idle_timeout_ms, 0, limits::sim_idle_timeout_ms_max);
  const auto& l = c.latency;
  check_range(errors, "latency.fixed_us", l.fixed_us, 0, limits::sim_latency_us_max);
  check_range(errors, "latency.min_us", l.min_us, 0, limits::sim_latency_us_max);
  check_range(errors, "latency.max_us", l.max_us, l.min_us, limits::sim_latency_us_max);
  check_range(errors, "latency.mean_us", l.mean_us, 0, limits::sim_latency_us_max);
  const auto& f = c.faults;
  check_rate(errors, "faults.timeout_rate", f.timeout_rate);
  check_rate(errors, "faults.server_error_rate", f.server_error_rate);
  check_rate(errors, "faults.malformed_rate", f.malformed_rate);
  check_rate(errors, "faults.lost_callback_rate", f.lost_callback_rate);
  const double sum = f.timeout_rate + f.server_error_rate + f.malformed_rate;
  if (sum > 1) {
    errors.push_back("faults: the rates add up to " + number(sum) + ", above the maximum 1");
  }
  check_rules(errors, c.rules);
  detail::check_tls(errors, c.tls);
  return errors;
}

std::vector<std::string> parse_wallet_config(std::string_view text, std::string_view source,
                                             wallet_config& out) {
  return detail::parse_config(
      text, source, out,
      [](detail::reader& r, const toml::table& root, wallet_config& c) { read_top(r, root, c); },
      [](wallet_config& c) { return validate(c); });
}

std::vector<std::string> load_wallet_config(const std::string& path, wallet_config& out) {
  std::string text;
  if (auto error = detail::read_config_file(path, text); !error.empty()) return {error};
  return parse_wallet_config(text, path, out);
}

}  // namespace sy::routing::sim
