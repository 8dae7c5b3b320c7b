// Error codes of the HTTP third-party channel (routing/http), wired into boost::system. Each says
// which result kind it comes with (docs/channels.md, "Providers"). No message carries a secret.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::routing::http {

enum class errc {
  // not_sent: the provider provably did not process the request; failover is allowed.
  bad_request_value = 1,  // the request cannot be encoded (an id that is not [A-Za-z0-9_-])
  queue_full,             // connection_count * inflight_max requests already waiting
  queue_timeout,          // the deadline passed before a connection was free
  connect_failed,         // resolve, connect or TLS handshake failed or timed out
  signing_failed,         // the HSM could not sign the request
  stopped,                // the channel is shutting down
  rejected,               // the provider refused it unprocessed (400, 401, 403, 404, 422)
  unavailable,            // the provider answered 503 or 429: not processed, try elsewhere
  unknown_request,        // status query: the provider has no request with this id (404)
  injected_failure,       // the fault hook failed this send (tests)
  // timed_out: the provider may have processed it; the caller queries its status later.
  timeout,            // no answer within request_timeout_ms
  connection_lost,    // the connection closed or failed after the request was written
  malformed_http,     // the answer is not HTTP/1.1
  answer_too_large,   // header or body over limits::http_channel_*_size_max
  bad_signature,      // the answer's Sy-Signature is missing or does not verify
  malformed_answer,   // the body is not the protocol's JSON object, or names another request
  id_conflict,        // 409: the provider holds a different request under this id
  server_error,       // a 5xx other than 503
  unexpected_status,  // an HTTP status the protocol does not define
  // verify_callback only.
  bad_timestamp,  // Sy-Timestamp missing, malformed or over limits::signature_timestamp_skew_s
};

const boost::system::error_category& http_channel_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), http_channel_category()};
}

}  // namespace sy::routing::http

template <>
struct boost::system::is_error_code_enum<sy::routing::http::errc> : std::true_type {};
