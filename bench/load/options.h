// The load driver's command line: what to drive, how hard and for how long, checked as a whole
// before anything connects. Every refusal names the option, the value and the bound it broke.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load/card_generator.h"

namespace sy::load {

// Bounds of the options. Loopback on 2 cores saturates far below these; they keep a typo from
// asking for a million sockets or a week-long run.
inline constexpr std::int64_t connection_count_max = 10'000;
inline constexpr std::int64_t idle_connection_count_max = 100'000;
inline constexpr std::int64_t pipeline_depth_max = 1'024;  // answers in order: deeper adds nothing
inline constexpr std::int64_t thread_count_max = 64;
inline constexpr double duration_s_min = 0.1;
inline constexpr double duration_s_max = 3'600;
inline constexpr double rate_per_s_max = 10'000'000;
inline constexpr double drain_timeout_s_max = 60;
inline constexpr double idle_hold_s_max = 600;

enum class loop_mode : std::uint8_t {
  closed,  // every connection sends as soon as its pipeline has room
  open,    // arrivals at a fixed rate; latency from each arrival's intended time
};

struct target_url {
  std::string host;
  std::uint16_t port = 443;
  std::string path;  // with the query
};

// "https://HOST[:PORT][/PATH]"; nullopt for any other scheme or a bad port.
std::optional<target_url> parse_url(std::string_view text);

struct options {
  std::string url = "https://127.0.0.1:8443/v1/payments";
  std::string mode_name = "closed";  // "closed" or "open"
  std::int64_t connections = 64;
  std::int64_t depth = 1;
  std::int64_t threads = 1;
  double duration_s = 10;
  double rate_per_s = 0;  // open loop only, required there
  double drain_timeout_s = 5;
  std::int64_t idle_connections = 0;
  double idle_hold_s = 0;
  bool sign = true;
  std::string key_id = "key_teahouse_1";
  std::string secret_env = "SY_LOAD_SECRET";
  std::string cacert;  // empty: the server's certificate is not verified (loopback benchmarks)
  std::vector<std::string> bins{"411111-411199"};
  std::int64_t card_length = 16;
  std::int64_t amount_minor = 1099;
  std::string currency = "CNY";
  std::string label;
  std::string json_path;
  std::string distribution_path;

  // Filled in by validate(): what the text options mean.
  loop_mode mode = loop_mode::closed;
  target_url target;
  std::vector<bin_range> bin_ranges;
  std::string secret;
};

// Checks `o` as a whole and fills its derived fields; one line per problem, empty when it is
// good. The secret is read from the environment variable `o.secret_env` names.
std::vector<std::string> validate(options& o);

struct parsed_options {
  std::optional<options> value;  // set: run with these
  int exit_code = 0;             // otherwise: exit with this after printing `message`
  std::string message;
};

// The command line (CLI11) then validate(): a usage error, --help, or options ready to run.
parsed_options parse_options(int argc, const char* const* argv);

}  // namespace sy::load
