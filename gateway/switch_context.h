// What the merchant API's handlers share: the compiled configuration with its channels (swapped
// whole on SIGHUP), and the process's long-lived services (book of record, HSM, the channel
// registry, risk, rate limits, metrics). Asio-free: the channels' headers keep their I/O behind
// pimpls.
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
#include "gateway/channel_registry.h"
#include "gateway/gateway_metrics.h"
#include "gateway/merchant_directory.h"
#include "gateway/rate_limiter.h"
#include "gateway/risk_guard.h"
#include "hsm/backend.h"
#include "routing/route_table.h"

namespace sy::gateway {

// One configuration snapshot made ready for requests. Immutable once shared.
struct compiled_config {
  config::snapshot config;
  std::unique_ptr<merchant_directory> merchants;
  routing::route_table routes;
  // Its channels, numbered as `config` lists them: channel_registry's, set once they run.
  channel_generation channels;

  // The merchants and routes of `snapshot`, without channels. Errors: merchant_directory::build's
  // and route_table::build's.
  static result<compiled_config> build(config::snapshot snapshot);
};

struct switch_context {
  clearing::store::environment& env;
  clearing::store::writer& writer;
  hsm::backend& hsm;  // PAN protection (the configuration's pan_token and pan_data keys)
  clearing::id_generator& ids;
  const clearing::business_calendar& calendar;
  const clearing::event_stamper& stamp;
  channel_registry& channels;  // where reversals go: the link running their channel now
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
