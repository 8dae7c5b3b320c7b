// Ends the wallet requests whose result did not come with their answer (docs/channels.md, "What
// an answer means"): those a provider accepted (asynchronous mode) or that timed out, both kept
// as awaiting_completion with their payment or refund pending, and those a crash left "sent".
// Every limits::wallet_status_query_interval_ms a thread asks each request's provider for its
// state (http_channel::query_status) and ends it as the live path would (clearing::complete, one
// finished step): answered, it completes; unknown to the provider, it fails, because nothing
// happened there. Asio-free.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "clearing/book.h"
#include "config/config.h"
#include "gateway/switch_context.h"
#include "routing/http/provider_protocol.h"

namespace sy::gateway {

struct wallet_recovery_counters {
  std::uint64_t queries = 0;    // status queries sent
  std::uint64_t completed = 0;  // requests ended (answered by the provider, or unknown to it)
};

class wallet_recovery {
 public:
  // Starts the thread; each sweep asks the wallet channels of the configuration live then. `ctx`
  // must outlive the recovery.
  explicit wallet_recovery(switch_context& ctx);
  ~wallet_recovery();  // stop()
  wallet_recovery(const wallet_recovery&) = delete;
  wallet_recovery& operator=(const wallet_recovery&) = delete;

  // Ends the thread; queries still on the wire complete into a state that ignores them. Call
  // before the channels stop. Idempotent.
  void stop();

  wallet_recovery_counters counters() const noexcept;

  struct shared;  // what the queries' completions reach (wallet_recovery.cc)

 private:
  void run();
  // Queries every request due a query, unless the last sweep's queries are still out.
  void sweep();

  switch_context& ctx_;
  std::shared_ptr<shared> shared_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sy::gateway
