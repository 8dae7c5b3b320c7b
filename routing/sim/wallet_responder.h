// The simulated wallet provider's logic, no I/O: checks the switch's signed requests, charges and
// refunds by the configured rules, remembers every request by its id (idempotency and status
// queries), injects the configured faults, and signs its answers and callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "routing/http/provider_protocol.h"
#include "routing/sim/bank_faults.h"
#include "routing/sim/wallet_config.h"

namespace sy::routing::sim {

// One HTTP request as the server received it; absent headers are empty.
struct wallet_http_request {
  std::string_view method;
  std::string_view target;
  std::string_view timestamp;
  std::string_view nonce;
  std::string_view signature;
  std::string_view body;
};

// A completion to deliver later (async mode): call wallet_responder::complete after `delay`.
struct wallet_completion {
  http::operation op = http::operation::charge;
  std::string id;
  std::chrono::milliseconds delay{};
};

struct wallet_answer {
  bool respond = true;  // false: a timeout fault, nothing is sent
  unsigned status = 200;
  std::string body;
  std::string timestamp;  // Sy-Timestamp
  std::string signature;  // Sy-Signature
  std::chrono::microseconds delay{};
  std::optional<wallet_completion> completion;
};

// A callback to POST to the configured callback_url.
struct wallet_callback {
  std::string path;
  std::string body;
  std::string timestamp;
  std::string nonce;
  std::string signature;
};

struct wallet_stats {
  std::uint64_t requests = 0;
  std::uint64_t charges = 0;  // new charges processed
  std::uint64_t refunds = 0;  // new refunds processed
  std::uint64_t replays = 0;  // repeats of a known id answered from the record
  std::uint64_t status_queries = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t bad_signatures = 0;
  std::uint64_t conflicts = 0;  // same id, different body
  std::uint64_t invalid = 0;    // unknown path, method or body
  std::uint64_t timeouts = 0;
  std::uint64_t server_errors = 0;
  std::uint64_t malformed_sent = 0;
  std::uint64_t callbacks_lost = 0;
  std::uint64_t full = 0;  // refused: limits::sim_wallet_record_count_max records held
};

class wallet_responder {
 public:
  // `config` must have passed validate() (secret_bytes resolved).
  explicit wallet_responder(wallet_config config);

  // The answer to one request at Unix time `now_s`.
  wallet_answer answer(const wallet_http_request& request, std::int64_t now_s);

  // An async request's completion is due: its final status becomes visible to status queries,
  // and the signed callback comes back, or nullopt when the lost_callback fault drew it (or the
  // request is unknown or already final).
  std::optional<wallet_callback> complete(http::operation op, const std::string& id,
                                          std::int64_t now_s);

  const wallet_config& config() const noexcept { return config_; }
  const wallet_stats& stats() const noexcept { return stats_; }

 private:
  struct record {
    http::provider_object object;  // as shown now
    http::provider_status final_status = http::provider_status::succeeded;
    std::optional<std::string> final_reason;
    std::size_t body_hash = 0;
    std::int64_t refunded = 0;  // charges: the sum of succeeded refunds
  };
  using table = std::unordered_map<std::string, record>;

  wallet_answer post(http::operation op, const wallet_http_request& request, std::int64_t now_s);
  wallet_answer status(http::operation op, std::string_view id, std::string_view nonce,
                       std::int64_t now_s);
  // Decides a new request's final status and reason by the rules (charges) or the charge it
  // refunds (refunds).
  void decide(const http::wallet_request& request, record& r);
  wallet_answer object_answer(const record& r, std::string_view nonce, std::int64_t now_s);
  wallet_answer error_answer(unsigned status, std::string_view code, std::string_view nonce,
                             std::int64_t now_s);
  void sign(wallet_answer& a, std::string_view nonce, std::int64_t now_s);
  double draw() noexcept;
  table& records_of(http::operation op) noexcept {
    return op == http::operation::charge ? charges_ : refunds_;
  }

  wallet_config config_;
  bank_faults latency_;
  std::mt19937_64 random_;
  table charges_;
  table refunds_;
  std::uint64_t next_reference_ = 1;
  wallet_stats stats_;
};

}  // namespace sy::routing::sim
