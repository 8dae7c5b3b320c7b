// The single writer of the book of record: callers enqueue units of work with a completion; one
// thread applies everything queued in one write transaction, commits once (fsync), and then
// completes each caller on the caller's executor (group commit, DESIGN.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clearing/store/environment.h"
#include "config/limits.h"
#include "config/result.h"

namespace sy::clearing::store {

// A precondition on an operation's key, checked against the state before its unit is applied.
enum class require : std::uint8_t {
  none,
  absent,   // the key must not exist (e.g. the first insert of an idempotency key)
  present,  // the key must exist
  // The key must hold a record of the operation's `expected_kind` whose payload is exactly
  // `expected`: what the caller read before deciding (compare-and-set). Two requests that read
  // the same payment and both change it cannot both commit: the second is refused.
  unchanged,
};

// One put or erase. An erase of a missing key with require::none is not an error.
struct operation {
  enum class action : std::uint8_t { put, erase };

  action act = action::put;
  table where = table::payments;
  std::string key;
  std::uint8_t kind = 0;  // the record kind sealed into the envelope (puts)
  std::string payload;    // puts only
  require condition = require::none;
  std::uint8_t expected_kind = 0;  // require::unchanged only
  std::string expected;            // require::unchanged only: the payload read before

  static operation put(table t, std::string key, std::uint8_t kind, std::string payload,
                       require condition = require::none) {
    return {action::put, t, std::move(key), kind, std::move(payload), condition, 0, {}};
  }
  static operation erase(table t, std::string key, require condition = require::none) {
    return {action::erase, t, std::move(key), 0, {}, condition, 0, {}};
  }
  // A put that replaces the record of `expected_kind` and payload `expected`, and nothing else.
  static operation replace(table t, std::string key, std::uint8_t kind, std::string payload,
                           std::uint8_t expected_kind, std::string expected) {
    return {action::put,        t,
            std::move(key),     kind,
            std::move(payload), require::unchanged,
            expected_kind,      std::move(expected)};
  }
  // An erase of the record of `expected_kind` and payload `expected`, and nothing else.
  static operation erase_unchanged(table t, std::string key, std::uint8_t expected_kind,
                                   std::string expected) {
    return {action::erase,      t, std::move(key), 0, {}, require::unchanged, expected_kind,
            std::move(expected)};
  }
};

// Operations applied atomically: all of them become durable in one commit, or none does.
struct unit_of_work {
  std::vector<operation> ops;
};

// How a submitted unit ended. `error` empty: applied and durable (fsync'd). errc::key_exists,
// errc::key_missing or errc::record_changed: a precondition failed, `op_index` names the
// operation, nothing of the unit was applied and the rest of the batch committed. Any other error
// failed the whole batch: errc::map_full, errc::injected_failure, errc::writer_stopped, or an
// lmdb_category code.
struct commit_outcome {
  error_code error;
  std::size_t op_index = 0;
};

// Where a completion runs. The gateway wraps asio::post(its io_context, work); tests run work
// inline on the writer thread or queue it. `post` must not block and must run `work` once.
struct executor {
  void* context = nullptr;
  void (*post)(void* context, std::function<void()> work) = nullptr;
};

// Runs completions on the writer thread itself: for tests and tools whose handlers are cheap
// and never block.
executor inline_executor() noexcept;

using completion_handler = std::function<void(const commit_outcome& outcome)>;

struct writer_options {
  std::size_t queue_unit_count_max = limits::store_queue_unit_count_max;
  std::size_t batch_unit_count_max = limits::store_batch_unit_count_max;
  // Called on the writer thread after each batch's commit (fsync included) with its unit count
  // and how long the commit took, for /metrics; must be cheap and never block. Empty: none.
  std::function<void(std::size_t units, std::chrono::steady_clock::duration took)> on_batch;
};

// Counts since start, for /metrics and the benchmark's average batch size.
struct writer_counters {
  std::uint64_t batches = 0;        // write transactions attempted
  std::uint64_t units_applied = 0;  // units durably committed
  std::uint64_t units_refused = 0;  // units whose precondition failed
  std::uint64_t units_failed = 0;   // units failed with their batch
};

class writer {
 public:
  // Starts the writer thread on `env`, which must outlive the writer and be writable (a
  // read-only environment is a bug: SY_VERIFY). Throws std::system_error
  // when the thread cannot start (start-up only).
  explicit writer(environment& env, writer_options options = {});
  // Stops as stop() does.
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // Enqueues `unit`; once its batch has committed (or failed), posts `handler` with the outcome
  // to `ex`. Handlers of one batch are posted in submission order. Errors, returned at once and
  // without calling `handler`: errc::queue_full, errc::writer_stopped, errc::unit_too_large (no
  // ops or more than limits::store_unit_op_count_max), errc::key_too_large,
  // errc::value_too_large. Thread-safe.
  result<void> submit(unit_of_work unit, executor ex, completion_handler handler);

  // Refuses new units, commits everything already queued, completes its handlers, and joins the
  // writer thread. Idempotent; must not be called from a completion running on the writer thread.
  void stop();

  writer_counters counters() const noexcept;

 private:
  struct pending {
    unit_of_work unit;
    executor ex;
    completion_handler handler;
    commit_outcome outcome;
  };

  void run();
  // Moves queued units to the end of `batch`, up to the batch cap; false when none was queued.
  bool take_queued(std::vector<pending>& batch);
  void commit_batch(std::vector<pending>& batch);
  error_code try_commit(std::vector<pending>& batch);
  void complete(std::vector<pending>& batch);

  environment& env_;
  writer_options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<pending> ring_;  // fixed capacity queue_unit_count_max; never grows
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  bool stopping_ = false;
  bool idle_ = false;  // the writer waits on wake_: only then does submit notify

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> units_applied_{0};
  std::atomic<std::uint64_t> units_refused_{0};
  std::atomic<std::uint64_t> units_failed_{0};
  bool map_full_logged_ = false;  // writer thread only: log once per full episode
  std::thread thread_;
};

// Submits `unit` and blocks until its batch commits; a unit refused at submission reports the
// refusal as its outcome. For start-up, tools and tests: never on a worker thread, nor on the
// writer thread.
commit_outcome commit_and_wait(writer& w, unit_of_work unit);

// Submits every unit (waiting while the queue is full) and blocks until all have committed, so
// a bulk write (a clearing run's records) shares batches instead of paying a commit per unit.
// The units are independent: the outcome is the first failure (its op_index within its unit),
// and units other than the failed ones may have committed. Same threads as commit_and_wait.
commit_outcome commit_all_and_wait(writer& w, std::vector<unit_of_work> units);

}  // namespace sy::clearing::store
