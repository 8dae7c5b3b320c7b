// The gateway's HTTP requests and answers as its handlers see them: plain strings and a callback,
// no Beast, so the API logic compiles without Asio. gateway/http_server.h owns the wire.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clearing/store/writer.h"

namespace sy::gateway {

struct http_request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // the path with its query string, exactly as sent
  std::optional<std::string> authorization;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> content_type;
  std::string body;
  std::string request_id;  // "req_<16 hex>": the server's id of this request, for logs
  // SHA-256 of the TLS client certificate the connection presented, upper-case hex; empty: none.
  std::string client_certificate_sha256;
};

struct http_answer {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Delivers the answer to the connection; call it exactly once, from any thread.
using answer_fn = std::function<void(http_answer)>;

// Runs on the worker that owns the connection. `ex` posts onto that worker (store completions,
// channel results), so a handler's continuations stay on the thread its session lives on.
using request_handler =
    std::function<void(http_request request, clearing::store::executor ex, answer_fn answer)>;

}  // namespace sy::gateway
