// The running switch (`switchyard run`): its workers, the book of record and its writer, start-up
// recovery, the channels, the merchant API and admin listeners, reload and graceful stop. Asio
// stays in switch_service.cc and http_server.cc.
#pragma once

#include <functional>

#include "config/config.h"
#include "config/fatal.h"
#include "hsm/backend.h"

namespace sy::gateway {

// Loads the configuration again for a reload (SIGHUP): null after printing its errors.
using config_loader = std::function<config::snapshot()>;

// Opens the store named by `cfg` and recovers it: every request sent to a bank channel whose
// final state never committed ends as timed out (clearing::complete), which answers its merchant
// request and queues its reversal. Restores the day's approved volume for the risk limits. Then
// starts the workers, the channels (bank links sign on and drain their store-and-forward queue),
// the merchant API and the admin listener; prints "switchyard: merchant API listening on
// HOST:PORT", "switchyard: admin listening on HOST:PORT" and "switchyard: running" on stdout, and
// runs until SIGINT or SIGTERM. SIGHUP reloads routes, merchants and their limits from `reload`.
// At the stop: no new connections, requests in flight finish (limits::shutdown_drain_ms), the
// links sign off, the workers stop and the writer drains.
// Returns ok after a clean stop; store_corrupt or store_unavailable when the store cannot be
// opened, read or written at start-up; listen_failed when a listener cannot bind or its TLS
// files cannot be loaded.
exit_code run_switch(config::snapshot cfg, hsm::backend& hsm, config_loader reload);

}  // namespace sy::gateway
