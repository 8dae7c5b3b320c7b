// The load driver's requests: POST /v1/payments signed with SY1-HMAC-SHA256 exactly as
// specs/merchant-api.md says, each with a fresh nonce, idempotency key and card. Unsigned, the
// same bytes carry a placeholder signature of the same length, so a target that ignores signing
// (nginx's static 200, the ceiling) gets requests of the same size without the HMAC's cost.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bench/load/card_generator.h"

namespace sy::load {

struct request_settings {
  std::string host;  // the Host header's value
  std::string path;  // with the query, exactly as sent and signed
  std::string key_id;
  std::string secret;  // the merchant's API secret, its bytes as written
  bool sign = true;
  std::int64_t amount_minor = 1099;
  std::string currency = "CNY";
};

// base64 (standard, padded) of HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n).
std::string request_signature(std::string_view secret, std::string_view method,
                              std::string_view path, std::string_view timestamp,
                              std::string_view nonce, std::string_view body);

class request_builder {
 public:
  // `unique_prefix` (16 or more of [A-Za-z0-9_-]) makes this builder's nonces and idempotency
  // keys unique across builders and runs: a random run id and the thread's index, say.
  request_builder(request_settings settings, std::string unique_prefix, card_generator cards);

  // Appends the next request, timestamped `unix_seconds`, to `out`.
  void append(std::string& out, std::int64_t unix_seconds);

 private:
  request_settings settings_;
  std::string prefix_;
  card_generator cards_;
  std::uint64_t sequence_ = 0;
  std::string body_;  // reused: the hot path allocates nothing once warm
  std::string unique_;
};

}  // namespace sy::load
