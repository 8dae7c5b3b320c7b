// Reading and checking the bank simulator's TOML configuration. toml++ is used in this file only;
// every problem becomes one message naming the key, the value found and the bound it breaks.
#include "routing/sim/bank_config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <initializer_list>

#include "config/limits.h"
#include "routing/sim/config_reader.h"

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

void read_top(reader& r, const toml::table& t, bank_config& out) {
  r.known_keys(t, "",
               {"listen", "framing", "frame_size_max", "seed", "latency", "faults", "rules",
                "settlement", "tls"});
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

}  // namespace

std::vector<std::string> validate(const bank_config& config) {
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
  return errors;
}

std::vector<std::string> parse_bank_config(std::string_view text, std::string_view source,
                                           bank_config& out) {
  return detail::parse_config(
      text, source, out,
      [](detail::reader& r, const toml::table& root, bank_config& c) { read_top(r, root, c); },
      [](const bank_config& c) { return validate(c); });
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
