// The channels the switch runs (bank links and wallet clients) and how a reload changes them
// (docs/operations.md, "Reloading the configuration"). Each configuration the merchant API serves
// under holds a channel_generation: its channels numbered as that configuration lists them, with
// their health entries. A request keeps its configuration, and so its channels, to its end; the
// registry stops and destroys a channel only once no configuration lists it any more.
//
// The rules a reload follows, per channel id:
//  - unchanged settings: the same link or client and the same health entry (breaker state
//    included) carry over; its connections are untouched;
//  - a changed bank channel: the old link stops (signs off, its outstanding requests end as
//    timed out and are reversed) before the new one starts, so two links never reserve STAN and
//    RRN numbers for one channel; meanwhile route selection sees it down and fails over;
//  - a changed wallet channel: the new client serves new requests at once, the old one finishes
//    the requests it has;
//  - a removed bank channel keeps running, for the requests already routed to it and until the
//    bank acknowledges its last pending reversal; a removed wallet channel stops once unused.
// Asio-free: the channels keep their I/O behind pimpls.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "clearing/book.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/config.h"
#include "config/result.h"
#include "hsm/backend.h"
#include "routing/health_board.h"
#include "routing/http/http_channel.h"
#include "routing/io/bank_link.h"

namespace boost::asio {
class io_context;
}

namespace sy::gateway {

// One running channel: the settings it runs with, its health entry and its link or client.
struct channel_slot {
  config::channel settings;
  std::shared_ptr<routing::channel_health> health;
  std::unique_ptr<routing::io::bank_link> bank;         // iso8583 channels
  std::unique_ptr<routing::http::http_channel> wallet;  // http channels
};

// The channels of one configuration, numbered as it lists them (the route table's numbering).
struct channel_generation {
  std::vector<std::shared_ptr<channel_slot>> slots;  // keeps them alive for its requests
  // Mutable in a const configuration: its entries are live state the links report into (atomics);
  // only their numbering is fixed.
  mutable routing::health_board health{0};
  // slots[i]'s link or client, null in the other vector.
  std::vector<routing::io::bank_link*> banks;
  std::vector<routing::http::http_channel*> wallets;
};

// What the channels use and do not own; everything must outlive the registry.
struct channel_services {
  clearing::store::environment* store = nullptr;
  clearing::store::writer* writer = nullptr;
  hsm::backend* hsm = nullptr;
  // Bank link connections spread over all of them; wallet clients live on the first.
  std::vector<boost::asio::io_context*> contexts;
  routing::io::link_options link_options;  // its reversal policy comes from each channel
};

// A channel that could not be made or started, and why.
struct channel_failure {
  enum class stage : std::uint8_t {
    made,     // its settings: a wallet's base_url, TLS files (a bad configuration)
    started,  // its link's first reads and number reservation in the store
  };
  std::string channel;
  stage at = stage::made;
  error_code error;
};

// What a reload did to the channels, by id, for its log lines.
struct channel_changes {
  std::vector<std::string> added;
  std::vector<std::string> changed;
  std::vector<std::string> removed;
  // A changed bank channel whose new link could not start: it runs again with the settings it
  // had (or, should that fail too, is in not_started).
  std::vector<channel_failure> kept_previous;
  // Bank links that could not start at all: their channel is down until the next reload or
  // restart (sends fail as unsent; reversals wait in the book).
  std::vector<channel_failure> not_started;
};

class channel_registry {
 public:
  explicit channel_registry(channel_services services);
  // stop() if it was not called.
  ~channel_registry();
  channel_registry(const channel_registry&) = delete;
  channel_registry& operator=(const channel_registry&) = delete;

  // Start-up: every channel of `cfg`, links started for `business_date` (blocking: each commits
  // its first number reservation). Errors: the first channel that could not be made or started.
  result<channel_generation, channel_failure> start(const config::config& cfg,
                                                    std::chrono::year_month_day business_date);

  // A reload to `next`, by the rules above; blocking while a changed bank link signs off. When a
  // new channel cannot be made (a wallet's base_url or TLS files, a bank link's TLS files) nothing
  // changes and that is the error. Call from one thread at a time, never a worker's.
  result<channel_generation, channel_failure> change(const config::config& next,
                                                     std::chrono::year_month_day business_date,
                                                     channel_changes& changes);

  // A request of bank channel `channel_id` whose timeout commit marked it reversal_due (durable):
  // queued on the link running that channel now, which may be a newer one than the request was
  // sent on. Thread-safe.
  void add_reversal(const std::string& channel_id, clearing::open_request due);

  // Stops and destroys the channels no configuration lists any more (a removed bank channel once
  // its reversals are acknowledged). Call periodically from the thread that calls change().
  void sweep();

  // Every bank link still running (the current ones and removed ones still draining), for the
  // metrics. Thread-safe; `visit` must not call back into the registry.
  void visit_links(const std::function<void(const routing::io::bank_link&)>& visit) const;

  // Signs every link off and waits for it to close, stops every wallet client, and prints each
  // link's totals. Idempotent.
  void stop();

 private:
  struct held;  // a slot with the registry's own state (channel_registry.cc)

  // A new slot for `settings` (a link prepared, not started); `cfg` names the PAN data key.
  result<std::shared_ptr<channel_slot>> make(const config::config& cfg,
                                             const config::channel& settings) const;
  // Stops the running links of `slot`'s channel (blocking) and starts `slot`'s, or one with the
  // settings the old link had when it cannot start (recorded in `changes`).
  void replace_link(const config::config& next, std::shared_ptr<channel_slot>& slot,
                    std::chrono::year_month_day business_date, channel_changes& changes);
  static channel_generation generation_of(const config::config& cfg,
                                          const std::vector<std::shared_ptr<channel_slot>>& slots);
  // Asks each link to stop and waits until all have closed.
  static void stop_and_wait(const std::vector<held*>& links);

  channel_services services_;
  mutable std::mutex mutex_;  // held_ and switching_, against add_reversal and visit_links
  std::vector<std::unique_ptr<held>> held_;
  // Bank channels between the stop of their old link and the start of the new one: reversals
  // wait here, then go to the new link.
  std::vector<std::pair<std::string, std::vector<clearing::open_request>>> switching_;
  bool stopped_ = false;
};

}  // namespace sy::gateway
