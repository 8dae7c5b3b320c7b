// The bank simulator's configuration: a small TOML file (or defaults) read into plain structs,
// then checked against config/limits.h, each problem a message naming key, value and bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hsm/key.h"
#include "hsm/secure_bytes.h"
#include "protocol/iso8583/framing.h"

namespace sy::routing::sim {

enum class latency_distribution : std::uint8_t { fixed, uniform, exponential };

// How long the bank takes to answer, drawn per request (microseconds, so benchmarks can ask for
// sub-millisecond delays).
struct latency_settings {
  latency_distribution distribution = latency_distribution::fixed;
  std::int64_t fixed_us = 0;  // fixed
  std::int64_t min_us = 0;    // uniform: [min_us, max_us]
  std::int64_t max_us = 0;
  std::int64_t mean_us = 0;  // exponential, capped at limits::sim_latency_us_max
};

// Probabilities per financial request (0100-0420); network management is never faulted, so the
// switch can always sign on. Their sum is at most 1.
struct fault_settings {
  double timeout_rate = 0;     // processed, but the answer is never sent
  double disconnect_rate = 0;  // the connection is closed instead of answering
  double malformed_rate = 0;   // a garbage frame is sent instead of the answer
};

struct amount_rule {
  std::string suffix;         // decimal digits the amount (minor units) ends with
  std::string response_code;  // DE 39 answered
};

struct card_rule {
  std::string pan;  // a test card number; never logged
  std::string response_code;
};

struct rule_settings {
  // Checked in order after the card list; the first match wins. Defaults: the brief's patterns.
  std::vector<amount_rule> decline_amount{{"51", "51"}, {"05", "05"}, {"14", "14"},
                                          {"54", "54"}, {"91", "91"}, {"96", "96"}};
  std::vector<card_rule> decline_card;
  std::int64_t amount_limit = 0;  // amounts above it are declined with 61; 0: no limit
};

// Rows changed on purpose in the settlement file, for reconciliation tests.
struct discrepancy_settings {
  std::int64_t missing = 0;       // approved rows left out
  std::int64_t extra = 0;         // rows the switch never sent
  std::int64_t wrong_amount = 0;  // rows whose amount is one minor unit higher
  std::int64_t duplicate = 0;     // rows listed twice
};

struct settlement_settings {
  std::string dir;               // empty: no file is written at shutdown
  std::string channel = "bank";  // the file name's channel id
  // "YYYY-MM-DD" every approval belongs to; empty: the UTC date when it was approved.
  std::string business_date;
  discrepancy_settings discrepancies;
};

// TLS on the bank's listener, as a bank that asks for it (specs/bank-link.md: optionally TLS,
// mutual TLS when the bank asks for it). Empty certificate_path: plain TCP.
struct sim_tls_settings {
  std::string certificate_path;  // PEM chain
  std::string key_path;          // PEM private key
  std::string client_ca_path;    // set: the switch must present a certificate signed by it
};

// The channel's MAC (specs/bank-link.md): with a key, every request must carry DE 64 (DE 128 with
// a secondary bitmap) over the bytes before it, and every answer carries one. No key: no MAC.
struct mac_settings {
  // The TAK as hex, or "env:NAME" naming a variable that holds the hex; never printed.
  std::string key;
  hsm::key_algorithm algorithm = hsm::default_algorithm(hsm::key_type::tak);
  hsm::secure_bytes key_bytes;  // `key` resolved by validate(); empty: no MAC
};

struct bank_config {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 lets the kernel pick
  protocol::iso8583::framing framing = protocol::iso8583::framing::binary2;
  std::int64_t frame_size_max = 8192;
  std::uint64_t seed = 1;  // every random draw (latency, faults, discrepancies) derives from it
  latency_settings latency;
  fault_settings faults;
  rule_settings rules;
  settlement_settings settlement;
  sim_tls_settings tls;
  mac_settings mac;
};

// What the simulator runs with when given no file: the defaults, and the development TAK
// (routing/sim/development_tak.h), so it pairs with the switch's embedded default.
bank_config development_bank_config();

// Reads TOML `text` into `out` (keys absent keep their defaults). Returns every problem: syntax,
// unknown keys, wrong types, then validate()'s bounds. `source` names the file in messages.
std::vector<std::string> parse_bank_config(std::string_view text, std::string_view source,
                                           bank_config& out);

// Reads the file at `path` (at most limits::config_file_size_max bytes) with parse_bank_config.
std::vector<std::string> load_bank_config(const std::string& path, bank_config& out);

// Every bound `config` breaks, e.g. "faults.timeout_rate: 1.5 is above the maximum 1", and
// resolves mac.key into mac.key_bytes: e.g. "mac.key: is not hex of 16 bytes (algorithm tdes)",
// "mac.key: environment variable \"NAME\" is not set". Never quotes the key.
std::vector<std::string> validate(bank_config& config);

// "HOST:PORT" (HOST may be "[v6]") split; false when there is no port or it is not 0-65535.
bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace sy::routing::sim
