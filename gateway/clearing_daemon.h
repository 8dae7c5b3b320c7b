// The daemon's automatic clearing (docs/clearing.md, "Cutoff"): each closed business date is
// cleared once its grace period has passed, on a thread of its own, since a run reads and writes
// files for seconds and must never hold up a worker. Dates missed while the switch was stopped
// are cleared at start.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "clearing/business_date.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/config.h"
#include "hsm/backend.h"

namespace sy::gateway {

struct clearing_counters {
  std::uint64_t runs = 0;      // dates sealed
  std::uint64_t failures = 0;  // runs that failed (logged at warn; tried again later)
};

class clearing_daemon {
 public:
  // `current` gives the configuration in force (merchants' fee schedules may be reloaded).
  // Starts the thread; its first look is at once.
  // `hsm` signs the files when the configuration names a signing key.
  clearing_daemon(const clearing::store::environment& env, clearing::store::writer& writer,
                  const clearing::business_calendar& calendar, hsm::backend& hsm,
                  std::function<config::snapshot()> current);
  // Stops as stop() does.
  ~clearing_daemon();
  clearing_daemon(const clearing_daemon&) = delete;
  clearing_daemon& operator=(const clearing_daemon&) = delete;

  // Lets a run in progress finish, then joins. Call before the writer stops. Idempotent.
  void stop();

  clearing_counters counters() const;

 private:
  void run();
  // Clears what is due; returns when to look again.
  std::chrono::sys_seconds clear_due(std::chrono::sys_seconds now);

  const clearing::store::environment& env_;
  clearing::store::writer& writer_;
  const clearing::business_calendar& calendar_;
  hsm::backend& hsm_;
  std::function<config::snapshot()> current_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  clearing_counters counters_;
  std::set<std::chrono::year_month_day> failed_;  // clearing thread only: dates to try again
  std::thread thread_;
};

}  // namespace sy::gateway
