// Parsing and checking the load driver's options (options.h).
#include "bench/load/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <sstream>

namespace sy::load {
namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

template <typename T>
void check_range(std::vector<std::string>& errors, std::string_view name, T value, T min, T max) {
  if (value < min) {
    errors.push_back("--" + std::string(name) + ": " + number(static_cast<double>(value)) +
                     " is below the minimum " + number(static_cast<double>(min)));
  } else if (value > max) {
    errors.push_back("--" + std::string(name) + ": " + number(static_cast<double>(value)) +
                     " is above the maximum " + number(static_cast<double>(max)));
  }
}

void check_mode(std::vector<std::string>& errors, options& o) {
  if (o.mode_name != "closed" && o.mode_name != "open") {
    errors.push_back("--mode: '" + o.mode_name + "' is not closed or open");
    return;
  }
  o.mode = o.mode_name == "open" ? loop_mode::open : loop_mode::closed;
  if (o.mode == loop_mode::open) {
    if (o.rate_per_s <= 0) {
      errors.push_back("--rate: " + number(o.rate_per_s) +
                       " must be above 0 with --mode open (arrivals per second)");
    } else {
      check_range(errors, "rate", o.rate_per_s, 0.001, rate_per_s_max);
    }
  } else if (o.rate_per_s != 0) {
    errors.push_back("--rate: " + number(o.rate_per_s) +
                     " is only for --mode open (closed loop sends as fast as answers come)");
  }
}

void check_cards(std::vector<std::string>& errors, options& o) {
  check_range<std::int64_t>(errors, "card-length", o.card_length, 12, 19);
  check_range<std::int64_t>(errors, "amount", o.amount_minor, 1, 999'999'999'999);
  const bool currency_ok =
      o.currency.size() == 3 && std::all_of(o.currency.begin(), o.currency.end(),
                                            [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!currency_ok) {
    errors.push_back("--currency: '" + o.currency + "' is not an ISO 4217 code like CNY");
  }
  if (o.bins.empty()) errors.push_back("--bins: at least one BIN range is needed");
  o.bin_ranges.clear();
  for (const auto& text : o.bins) {
    const auto range = parse_bin_range(text);
    if (!range) {
      errors.push_back("--bins: '" + text + "' is not PREFIX or LOW-HIGH (equal lengths of 1 to " +
                       std::to_string(bin_digits_max) + " digits, LOW <= HIGH)");
    } else if (static_cast<std::int64_t>(range->digits) >= o.card_length) {
      errors.push_back("--bins: '" + text + "' has " + std::to_string(range->digits) +
                       " digits, at least --card-length " + std::to_string(o.card_length));
    } else {
      o.bin_ranges.push_back(*range);
    }
  }
}

void check_signing(std::vector<std::string>& errors, options& o) {
  if (!o.sign) return;
  if (o.key_id.empty()) errors.push_back("--key-id: an API key id is needed to sign");
  const char* secret = o.secret_env.empty() ? nullptr : std::getenv(o.secret_env.c_str());
  if (secret == nullptr || *secret == '\0') {
    errors.push_back("--secret-env: '" + o.secret_env +
                     "' is not set to the merchant's API secret (or pass --no-sign)");
  } else {
    o.secret = secret;
  }
}

}  // namespace

std::optional<target_url> parse_url(std::string_view text) {
  constexpr std::string_view scheme = "https://";
  if (!text.starts_with(scheme)) return std::nullopt;
  text.remove_prefix(scheme.size());
  const auto slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  target_url out;
  out.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  const auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

std::vector<std::string> validate(options& o) {
  std::vector<std::string> errors;
  if (auto target = parse_url(o.url)) {
    o.target = std::move(*target);
  } else {
    errors.push_back("--url: '" + o.url + "' is not https://HOST[:PORT][/PATH]");
  }
  check_range<std::int64_t>(errors, "connections", o.connections, 1, connection_count_max);
  check_range<std::int64_t>(errors, "depth", o.depth, 1, pipeline_depth_max);
  check_range<std::int64_t>(errors, "threads", o.threads, 1, thread_count_max);
  if (o.threads > o.connections && o.connections >= 1) {
    errors.push_back("--threads: " + std::to_string(o.threads) + " is above --connections " +
                     std::to_string(o.connections) + " (each thread drives its own connections)");
  }
  check_range(errors, "duration", o.duration_s, duration_s_min, duration_s_max);
  check_range(errors, "drain-timeout", o.drain_timeout_s, 0.0, drain_timeout_s_max);
  check_range<std::int64_t>(errors, "idle-connections", o.idle_connections, 0,
                            idle_connection_count_max);
  check_range(errors, "idle-hold", o.idle_hold_s, 0.0, idle_hold_s_max);
  check_mode(errors, o);
  check_cards(errors, o);
  check_signing(errors, o);
  return errors;
}

parsed_options parse_options(int argc, const char* const* argv) {
  options o;
  CLI::App app{
      "switchyard-load: drives the merchant API (or any HTTPS URL) over TLS with keep-alive and "
      "pipelining, closed or open loop, and reports latency percentiles, throughput, errors and "
      "its own CPU time",
      "switchyard-load"};
  app.add_option("--url", o.url, "Target, https://HOST[:PORT][/PATH]")->capture_default_str();
  app.add_option("--mode", o.mode_name, "closed (as fast as possible) or open (fixed --rate)")
      ->capture_default_str();
  app.add_option("--connections", o.connections, "Connections driving load")->capture_default_str();
  app.add_option("--depth", o.depth, "Requests in flight per connection (pipelining)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Threads, one event loop each")->capture_default_str();
  app.add_option("--duration", o.duration_s, "Seconds of load")->capture_default_str();
  app.add_option("--rate", o.rate_per_s, "Open loop: arrivals per second, all connections");
  app.add_option("--drain-timeout", o.drain_timeout_s,
                 "Seconds to wait for answers after the load ends")
      ->capture_default_str();
  app.add_option("--idle-connections", o.idle_connections,
                 "TLS connections opened first and held open, idle, through the run")
      ->capture_default_str();
  app.add_option("--idle-hold", o.idle_hold_s,
                 "Seconds to wait after the idle connections are open, before the load")
      ->capture_default_str();
  app.add_flag("!--no-sign", o.sign, "Send a placeholder signature (a target that ignores it)");
  app.add_option("--key-id", o.key_id, "The merchant's API key id")->capture_default_str();
  app.add_option("--secret-env", o.secret_env,
                 "Environment variable holding the API secret (never on the command line)")
      ->capture_default_str();
  app.add_option("--cacert", o.cacert, "Verify the server against this PEM CA (default: no check)");
  app.add_option("--bins", o.bins, "Card prefixes: PREFIX or LOW-HIGH, one or more")
      ->capture_default_str();
  app.add_option("--card-length", o.card_length, "Card number digits")->capture_default_str();
  app.add_option("--amount", o.amount_minor, "Amount in minor units")->capture_default_str();
  app.add_option("--currency", o.currency, "ISO 4217 code")->capture_default_str();
  app.add_option("--label", o.label, "A name for this run in the results");
  app.add_option("--json", o.json_path, "Write the results as JSON to this file");
  app.add_option("--distribution", o.distribution_path,
                 "Write the latency distribution (percentile table, for gnuplot) to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, 2, std::string("error: ") + e.what() + "\n"};
  }
  const auto errors = validate(o);
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += "error: " + e + "\n";
    return {std::nullopt, 2, message};
  }
  return {std::move(o), 0, {}};
}

}  // namespace sy::load
