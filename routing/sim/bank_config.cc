// Reading and checking the bank simulator's TOML configuration. toml++ is used in this file only;
// every problem becomes one message naming the key, the value found and the bound it breaks.
#include "routing/sim/bank_config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <initializer_list>

#include "config/limits.h"
#include "hsm/primitives.h"
#include "routing/sim/config_reader.h"
#include "routing/sim/development_tak.h"

namespace sy::routing::sim {
namespace {

using detail::check_range;
using detail::check_rate;
using detail::check_tls;
using detail::number;
using detail::read_latency;
using detail::read_tls;
using detail::reader;

void read_faults(reader& r, const toml::table& t, fault_settings& out) {
  r.known_keys(t, "faults.", {"timeout_rate", "disconnect_rate", "malformed_rate"});
  r.rate(t, "faults.", "timeout_rate", out.timeout_rate);
  r.rate(t, "faults.", "disconnect_rate", out.disconnect_rate);
  r.rate(t, "faults.", "malformed_rate", out.malformed_rate);
}

// One [[rules.KEY]] list whose tables hold `match_key` (into Rule::*match) and response_code.
template <class Rule>
void read_rule_list(reader& r, const toml::table& t, std::string_view key,
                    std::string_view match_key, std::string Rule::*match, std::vector<Rule>& out) {
  r.tables(t, "rules.", key, [&](const toml::table& e, const std::string& at) {
    r.known_keys(e, at, {match_key, "response_code"});
    Rule rule;
    r.text(e, at, match_key, rule.*match);
    r.text(e, at, "response_code", rule.response_code);
    out.push_back(std::move(rule));
  });
}

void read_rules(reader& r, const toml::table& t, rule_settings& out) {
  r.known_keys(t, "rules.", {"decline_amount", "decline_card", "amount_limit"});
  if (t.contains("decline_amount")) out.decline_amount.clear();
  read_rule_list(r, t, "decline_amount", "suffix", &amount_rule::suffix, out.decline_amount);
  read_rule_list(r, t, "decline_card", "pan", &card_rule::pan, out.decline_card);
  r.integer(t, "rules.", "amount_limit", out.amount_limit);
}

void read_settlement(reader& r, const toml::table& t, settlement_settings& out) {
  r.known_keys(t, "settlement.", {"dir", "channel", "business_date", "discrepancies"});
  r.text(t, "settlement.", "dir", out.dir);
  r.text(t, "settlement.", "channel", out.channel);
  r.text(t, "settlement.", "business_date", out.business_date);
  const toml::node* node = t.get("discrepancies");
  if (node == nullptr) return;
  const auto* d = node->as_table();
  if (d == nullptr) {
    r.error("settlement.discrepancies", "expected a table");
    return;
  }
  const std::string at = "settlement.discrepancies.";
  r.known_keys(*d, at, {"missing", "extra", "wrong_amount", "duplicate"});
  r.integer(*d, at, "missing", out.discrepancies.missing);
  r.integer(*d, at, "extra", out.discrepancies.extra);
  r.integer(*d, at, "wrong_amount", out.discrepancies.wrong_amount);
  r.integer(*d, at, "duplicate", out.discrepancies.duplicate);
}

// The MAC algorithms a TAK may have (hsm/key.cc): 3DES (ISO 9797-1 algorithm 3), AES and SM4
// (the leftmost 8 bytes of CMAC).
constexpr std::string_view mac_algorithms = "\"tdes\", \"aes\", \"sm4\"";

void read_mac(reader& r, const toml::table& t, mac_settings& out) {
  r.known_keys(t, "mac.", {"key", "algorithm"});
  r.text(t, "mac.", "key", out.key);
  // A [mac] table without its key is a mistake, never "no MAC": that is no table at all.
  if (!t.contains("key") || out.key.empty())
    r.error("mac.key", "required in [mac]: the TAK as hex or env:NAME");
  std::string algorithm;
  r.text(t, "mac.", "algorithm", algorithm);
  if (algorithm.empty()) return;
  const auto a = hsm::key_algorithm_from_string(algorithm);
  if (!a || (*a != hsm::key_algorithm::tdes && *a != hsm::key_algorithm::aes &&
             *a != hsm::key_algorithm::sm4)) {
    r.error("mac.algorithm", "\"" + algorithm.substr(0, limits::config_quoted_value_size_max) +
                                 "\" is not one of " + std::string(mac_algorithms));
    return;
  }
  out.algorithm = *a;
}

void read_top(reader& r, const toml::table& t, bank_config& out) {
  r.known_keys(t, "",
               {"listen", "framing", "frame_size_max", "seed", "latency", "faults", "rules",
                "settlement", "tls", "mac"});
  r.text(t, "", "listen", out.listen);
  std::string framing;
  r.text(t, "", "framing", framing);
  if (!framing.empty() && !protocol::iso8583::parse_framing(framing, out.framing)) {
    r.error("framing", "\"" + framing + "\" is not one of \"binary2\", \"ascii4\"");
  }
  r.integer(t, "", "frame_size_max", out.frame_size_max);
  std::int64_t seed = static_cast<std::int64_t>(out.seed);
  r.integer(t, "", "seed", seed);
  out.seed = static_cast<std::uint64_t>(seed);
  if (const auto* l = r.table_at(t, "latency")) read_latency(r, *l, out.latency);
  if (const auto* f = r.table_at(t, "faults")) read_faults(r, *f, out.faults);
  if (const auto* x = r.table_at(t, "rules")) read_rules(r, *x, out.rules);
  if (const auto* s = r.table_at(t, "settlement")) read_settlement(r, *s, out.settlement);
  if (const auto* x = r.table_at(t, "tls")) read_tls(r, *x, out.tls);
  if (const auto* m = r.table_at(t, "mac")) read_mac(r, *m, out.mac);
}

bool all_digits(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

void check_response_code(std::vector<std::string>& errors, const std::string& key,
                         const std::string& code) {
  const bool ok = code.size() == 2 && std::isalnum(static_cast<unsigned char>(code[0])) &&
                  std::isalnum(static_cast<unsigned char>(code[1])) && code != "00";
  if (!ok) {
    errors.push_back(key + ": \"" + code +
                     "\" is not a decline code (2 letters or digits, not \"00\")");
  }
}

void check_rules(std::vector<std::string>& errors, const rule_settings& rules) {
  const auto count_max = static_cast<std::int64_t>(limits::sim_rule_count_max);
  check_range(errors, "rules.decline_amount (count)",
              static_cast<std::int64_t>(rules.decline_amount.size()), 0, count_max);
  check_range(errors, "rules.decline_card (count)",
              static_cast<std::int64_t>(rules.decline_card.size()), 0, count_max);
  for (std::size_t i = 0; i < rules.decline_amount.size(); ++i) {
    const auto at = "rules.decline_amount[" + std::to_string(i) + "].";
    const auto& rule = rules.decline_amount[i];
    if (!all_digits(rule.suffix) || rule.suffix.size() > limits::sim_amount_suffix_digits_max) {
      errors.push_back(at + "suffix: \"" + rule.suffix + "\" is not 1 to " +
                       std::to_string(limits::sim_amount_suffix_digits_max) + " digits");
    }
    check_response_code(errors, at + "response_code", rule.response_code);
  }
  for (std::size_t i = 0; i < rules.decline_card.size(); ++i) {
    const auto at = "rules.decline_card[" + std::to_string(i) + "].";
    const auto& rule = rules.decline_card[i];
    // The value is a card number: the message says what is wrong without repeating it.
    if (!all_digits(rule.pan) || rule.pan.size() < limits::pan_digits_min ||
        rule.pan.size() > limits::pan_digits_max) {
      errors.push_back(at + "pan: is not " + std::to_string(limits::pan_digits_min) + " to " +
                       std::to_string(limits::pan_digits_max) + " digits");
    }
    check_response_code(errors, at + "response_code", rule.response_code);
  }
  check_range(errors, "rules.amount_limit", rules.amount_limit, 0, limits::amount_minor_max);
}

bool valid_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!all_digits(text.substr(0, 4)) || !all_digits(text.substr(5, 2)) ||
      !all_digits(text.substr(8, 2))) {
    return false;
  }
  const int y = std::stoi(std::string(text.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  return std::chrono::year_month_day(std::chrono::year(y), std::chrono::month(m),
                                     std::chrono::day(d))
      .ok();
}

void check_settlement(std::vector<std::string>& errors, const settlement_settings& s) {
  check_range(errors, "settlement.dir (length)", static_cast<std::int64_t>(s.dir.size()), 0,
              static_cast<std::int64_t>(limits::config_path_size_max));
  bool id_ok = !s.channel.empty() && s.channel.size() <= limits::config_id_size_max;
  for (const char c : s.channel)
    id_ok = id_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!id_ok) {
    errors.push_back("settlement.channel: \"" + s.channel + "\" is not 1 to " +
                     std::to_string(limits::config_id_size_max) + " letters, digits, '_' or '-'");
  }
  if (!s.business_date.empty() && !valid_date(s.business_date)) {
    errors.push_back("settlement.business_date: \"" + s.business_date +
                     "\" is not a date YYYY-MM-DD");
  }
  const auto& d = s.discrepancies;
  const auto max = limits::sim_discrepancy_count_max;
  check_range(errors, "settlement.discrepancies.missing", d.missing, 0, max);
  check_range(errors, "settlement.discrepancies.extra", d.extra, 0, max);
  check_range(errors, "settlement.discrepancies.wrong_amount", d.wrong_amount, 0, max);
  check_range(errors, "settlement.discrepancies.duplicate", d.duplicate, 0, max);
}

// The TAK sizes of each algorithm (hsm/key.cc: algorithm 3 takes a double-length 3DES key), as
// the bound in messages.
std::string_view tak_sizes(hsm::key_algorithm a) {
  return a == hsm::key_algorithm::aes ? "16, 24 or 32 bytes" : "16 bytes";
}

// mac.key's bytes from hex or env:NAME into mac.key_bytes, or the problem; messages never repeat
// the key. An empty key is no MAC.
std::string resolve_mac(mac_settings& mac) {
  mac.key_bytes.clear();
  if (mac.key.empty()) return {};
  std::string_view hex = mac.key;
  if (hex.starts_with("env:")) {
    const std::string name(hex.substr(4));
    const char* value = name.empty() || name.size() > limits::env_name_size_max
                            ? nullptr
                            : std::getenv(name.c_str());
    if (value == nullptr) {
      return "mac.key: environment variable \"" + name.substr(0, limits::env_name_size_max) +
             "\" is not set";
    }
    hex = value;
  }
  auto bytes = hsm::from_hex(hex);
  const auto name = hsm::to_string(mac.algorithm);
  if (!bytes || !hsm::normalize({"mac", hsm::key_type::tak, mac.algorithm, bytes->size()})) {
    return "mac.key: is not hex of " + std::string(tak_sizes(mac.algorithm)) + " (algorithm " +
           std::string(name) + ")";
  }
  // SM4 may be missing from the OpenSSL build: say so now rather than leave every request
  // unanswered.
  if (!hsm::primitives::message_mac(mac.algorithm, bytes->view(), {})) {
    return "mac.algorithm: \"" + std::string(name) + "\" is not available in this OpenSSL";
  }
  mac.key_bytes = std::move(*bytes);
  return {};
}

}  // namespace

bank_config development_bank_config() {
  bank_config config;
  config.mac.key = std::string(development_tak_hex);
  config.mac.algorithm = development_tak_algorithm;
  return config;
}

std::vector<std::string> validate(bank_config& config) {
  std::vector<std::string> errors;
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(config.listen, host, port)) {
    errors.push_back("listen: \"" + config.listen + "\" is not HOST:PORT with a port 0 to 65535");
  }
  // A stream needs a length prefix to find where each message ends.
  if (config.framing == protocol::iso8583::framing::none) {
    errors.push_back("framing: \"none\" is not one of \"binary2\", \"ascii4\"");
  }
  const auto frame_max = static_cast<std::int64_t>(
      config.framing == protocol::iso8583::framing::ascii4 ? limits::iso8583_ascii_frame_size_max
                                                           : limits::iso8583_frame_size_max);
  check_range(errors, "frame_size_max", config.frame_size_max, limits::iso8583_frame_size_min,
              frame_max);
  const auto& l = config.latency;
  check_range(errors, "latency.fixed_us", l.fixed_us, 0, limits::sim_latency_us_max);
  check_range(errors, "latency.min_us", l.min_us, 0, limits::sim_latency_us_max);
  check_range(errors, "latency.max_us", l.max_us, l.min_us, limits::sim_latency_us_max);
  check_range(errors, "latency.mean_us", l.mean_us, 0, limits::sim_latency_us_max);
  const auto& f = config.faults;
  check_rate(errors, "faults.timeout_rate", f.timeout_rate);
  check_rate(errors, "faults.disconnect_rate", f.disconnect_rate);
  check_rate(errors, "faults.malformed_rate", f.malformed_rate);
  const double sum = f.timeout_rate + f.disconnect_rate + f.malformed_rate;
  if (sum > 1) {
    errors.push_back("faults: the rates add up to " + number(sum) + ", above the maximum 1");
  }
  check_rules(errors, config.rules);
  check_settlement(errors, config.settlement);
  check_tls(errors, config.tls);
  if (auto e = resolve_mac(config.mac); !e.empty()) errors.push_back(std::move(e));
  return errors;
}

std::vector<std::string> parse_bank_config(std::string_view text, std::string_view source,
                                           bank_config& out) {
  return detail::parse_config(
      text, source, out,
      [](detail::reader& r, const toml::table& root, bank_config& c) { read_top(r, root, c); },
      [](bank_config& c) { return validate(c); });
}

std::vector<std::string> load_bank_config(const std::string& path, bank_config& out) {
  std::string text;
  if (auto error = detail::read_config_file(path, text); !error.empty()) return {error};
  return parse_bank_config(text, path, out);
}

bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  const std::string_view p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty() || h.size() > limits::config_host_size_max || p.empty() || p.size() > 5 ||
      !all_digits(p)) {
    return false;
  }
  unsigned value = 0;
  std::from_chars(p.data(), p.data() + p.size(), value);
  if (value > 65535) return false;
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace sy::routing::sim
