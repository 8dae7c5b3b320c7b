// What the switch reports on GET /metrics: the families of gateway/metrics.h it registers, the
// updates the request path makes, and the collectors that read the other modules' counters
// (channels, store writer, HTTP server) at scrape time.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "gateway/api_route.h"
#include "gateway/metrics.h"
#include "protocol/payment_types.h"

namespace sy::gateway {

class gateway_metrics {
 public:
  gateway_metrics();

  // A merchant API answer: requests by route and status, latency by route.
  void request_done(api_route route, unsigned status, std::chrono::steady_clock::duration took);
  void risk_declined(protocol::decline code);
  // The final commit of a request failed: its merchant got a 503 and recovery will end it.
  void final_commit_failed();
  // An answer left unsigned because the HSM could not sign it.
  void unsigned_answer();
  // One store batch committed (writer_options::on_batch).
  void store_batch(std::size_t units, std::chrono::steady_clock::duration took);

  // Families filled at each scrape; register before serving (registry rules).
  void add_collector(std::string_view name, std::string_view help, metrics::kind type,
                     std::vector<std::string> label_names, metrics::collector collect) {
    registry_.add_collector(name, help, type, std::move(label_names), std::move(collect));
  }

  std::string render() const { return registry_.render(); }

 private:
  metrics::registry registry_;
  metrics::counter requests_;
  metrics::histogram latency_;
  metrics::counter risk_declines_;
  metrics::counter final_commit_failures_;
  metrics::counter unsigned_answers_;
  metrics::histogram batch_units_;
  metrics::histogram batch_latency_;
};

}  // namespace sy::gateway
