// The switch's metric families.
#include "gateway/gateway_metrics.h"

#include <array>

namespace sy::gateway {
namespace {

// Risk declines by code, in label order.
constexpr std::array<protocol::decline, 4> risk_codes{
    protocol::decline::merchant_frozen, protocol::decline::card_blocked,
    protocol::decline::amount_limit_exceeded, protocol::decline::velocity_limit_exceeded};

std::vector<std::string> route_values() {
  return {api_route_labels.begin(), api_route_labels.end()};
}

std::uint64_t micros(std::chrono::steady_clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

}  // namespace

gateway_metrics::gateway_metrics() {
  requests_ = registry_.add_counter(
      "sy_http_requests_total", "Merchant API requests answered, by route and status",
      {{"route", route_values()}, {"status", metrics::http_status_values()}});
  latency_ = registry_.add_histogram("sy_http_request_duration_seconds",
                                     "Merchant API time from request read to answer, by route",
                                     metrics::latency_buckets(), {{"route", route_values()}});
  std::vector<std::string> codes;
  for (const auto c : risk_codes) codes.emplace_back(protocol::to_string(c));
  risk_declines_ = registry_.add_counter("sy_risk_declines_total",
                                         "Payments refused by the merchant's risk limits, by code",
                                         {{"code", std::move(codes)}});
  final_commit_failures_ = registry_.add_counter(
      "sy_final_commit_failures_total",
      "Final commits that failed (answered 503; start-up recovery ends the request)");
  unsigned_answers_ = registry_.add_counter("sy_unsigned_answers_total",
                                            "Answers sent without Sy-Signature (HSM failure)");
  batch_units_ = registry_.add_histogram("sy_store_commit_batch_units",
                                         "Units of work per store commit (group commit)",
                                         metrics::batch_size_buckets());
  batch_latency_ =
      registry_.add_histogram("sy_store_commit_duration_seconds",
                              "Store commit time, fsync included", metrics::latency_buckets());
}

void gateway_metrics::request_done(api_route route, unsigned status,
                                   std::chrono::steady_clock::duration took) {
  const auto r = static_cast<std::size_t>(route);
  requests_.inc({r, metrics::http_status_index(status)});
  latency_.observe(micros(took), {r});
}

void gateway_metrics::risk_declined(protocol::decline code) {
  for (std::size_t i = 0; i < risk_codes.size(); ++i) {
    if (risk_codes[i] == code) return risk_declines_.inc({i});
  }
}

void gateway_metrics::final_commit_failed() {
  final_commit_failures_.inc();
}

void gateway_metrics::unsigned_answer() {
  unsigned_answers_.inc();
}

void gateway_metrics::store_batch(std::size_t units, std::chrono::steady_clock::duration took) {
  batch_units_.observe(units);
  batch_latency_.observe(micros(took));
}

}  // namespace sy::gateway
