// What the merchant API's handlers share: the compiled configuration (swapped whole on SIGHUP),
// and the process's long-lived services (book of record, HSM, channels, risk, rate limits,
// metrics). Asio-free: the channels' headers keep their I/O behind pimpls.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "clearing/business_date.h"
#include "clearing/completion.h"
#include "clearing/ids.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/config.h"
#include "config/result.h"
#include "gateway/gateway_metrics.h"
#include "gateway/merchant_directory.h"
#include "gateway/rate_limiter.h"
#include "gateway/risk_guard.h"
#include "hsm/backend.h"
#include "routing/health_board.h"
#include "routing/http/http_channel.h"
#include "routing/io/bank_link.h"
#include "routing/route_table.h"

namespace sy::gateway {

// One configuration snapshot made ready for requests. Immutable once built.
struct compiled_config {
  config::snapshot config;
  std::unique_ptr<merchant_directory> merchants;
  routing::route_table routes;

  // Errors: merchant_directory::build's and route_table::build's.
  static result<std::shared_ptr<const compiled_config>> build(config::snapshot snapshot);
};

// The channels, numbered as the configuration lists them (the route table's and the health
// board's numbering); each slot holds the channel of its kind and null in the other vector.
struct channel_set {
  std::vector<routing::io::bank_link*> banks;
  std::vector<routing::http::http_channel*> wallets;
};

struct switch_context {
  clearing::store::environment& env;
  clearing::store::writer& writer;
  hsm::backend& hsm;  // PAN protection (the configuration's pan_token and pan_data keys)
  clearing::id_generator& ids;
  const clearing::business_calendar& calendar;
  const clearing::event_stamper& stamp;
  routing::health_board& health;
  channel_set channels;
  risk_guard& risk;
  rate_limiter& rates;
  gateway_metrics& metrics;
  // The configuration requests are served under; reload() in switch_service.cc swaps it. A
  // request loads it once and keeps that snapshot to its end.
  std::atomic<std::shared_ptr<const compiled_config>> live;

  std::shared_ptr<const compiled_config> current() const {
    return live.load(std::memory_order_acquire);
  }
};

}  // namespace sy::gateway
