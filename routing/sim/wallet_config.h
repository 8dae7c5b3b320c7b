// The wallet simulator's configuration: a small TOML file (or defaults) read into plain structs,
// then checked against config/limits.h, each problem a message naming key, value and bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/sim/bank_config.h"

namespace sy::routing::sim {

enum class wallet_mode : std::uint8_t {
  sync,   // charges and refunds are answered with their final status
  async,  // answered 202 pending; the final status comes as a callback after callback_delay_ms
};

// Probabilities per charge or refund request (status queries are never faulted, so a test can
// always recover). timeout, server_error and malformed add up to at most 1; lost_callback is
// drawn separately for each async completion.
struct wallet_fault_settings {
  double timeout_rate = 0;        // processed, but no answer is ever sent
  double server_error_rate = 0;   // answered 500 without processing (the status query says 404)
  double malformed_rate = 0;      // processed, answered 200 with a signed body that is not JSON
  double lost_callback_rate = 0;  // async: the completion happens, its callback is never sent
};

struct fail_rule {
  std::string suffix;  // decimal digits the amount (minor units) ends with
  std::string reason;  // a decline name of protocol::decline_from_string ("insufficient_funds")
};

struct wallet_rule_settings {
  // Charges whose amount ends with a suffix fail with its reason; the first match wins.
  std::vector<fail_rule> fail_amount{
      {"51", "insufficient_funds"}, {"05", "do_not_honor"}, {"61", "amount_limit_exceeded"}};
};

struct wallet_config {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 lets the kernel pick
  wallet_mode mode = wallet_mode::sync;
  // The HMAC-SHA256 secret shared with the switch's channel key (signing_key): hex, or
  // "env:NAME" naming a variable that holds the hex. Resolved into `secret_bytes` by validate().
  std::string secret;
  std::string secret_bytes;  // the resolved secret, never printed
  std::string callback_url;  // async: http://HOST:PORT/PATH the callbacks are POSTed to
  std::int64_t callback_delay_ms = 0;
  // Idle keep-alive connections are closed silently after this (0: never), as load balancers
  // do; the switch must notice and reconnect.
  std::int64_t idle_timeout_ms = 0;
  std::uint64_t seed = 1;
  latency_settings latency;
  wallet_fault_settings faults;
  wallet_rule_settings rules;
  // TLS on the listener (https); empty certificate_path: plain HTTP. Callbacks stay http://.
  sim_tls_settings tls;
};

// Reads TOML `text` into `out` (keys absent keep their defaults). Returns every problem: syntax,
// unknown keys, wrong types, then validate()'s. `source` names the file in messages.
std::vector<std::string> parse_wallet_config(std::string_view text, std::string_view source,
                                             wallet_config& out);

// Reads the file at `path` (at most limits::config_file_size_max bytes) with parse_wallet_config.
std::vector<std::string> load_wallet_config(const std::string& path, wallet_config& out);

// Every bound `config` breaks, and resolves the secret into secret_bytes: e.g. "secret: is not
// hex of 32 to 256 bytes", "callback_url: required in async mode". Never quotes the secret.
std::vector<std::string> validate(wallet_config& config);

}  // namespace sy::routing::sim
