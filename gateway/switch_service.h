// The running switch (`switchyard run`): its workers, the book of record and its writer, start-up
// recovery, and one link per bank channel, until SIGINT or SIGTERM. The merchant listeners join
// it with the gateway issue. Asio stays in switch_service.cc.
#pragma once

#include "config/config.h"
#include "config/fatal.h"
#include "hsm/backend.h"

namespace sy::gateway {

// Opens the store named by `cfg` and recovers it: every request sent to a channel whose final
// state never committed ends as timed out (clearing::complete), which answers its merchant
// request and queues its reversal. Then starts the workers and the bank links (each signs on and
// drains its store-and-forward queue), prints "switchyard: running" on stdout, and runs until
// SIGINT or SIGTERM; then signs the links off, stops the workers and drains the writer.
// Returns ok after a clean stop, store_corrupt or store_unavailable when the store cannot be
// opened, read or written at start-up.
exit_code run_switch(const config::config& cfg, hsm::backend& hsm);

}  // namespace sy::gateway
