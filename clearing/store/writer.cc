// The group-commit writer: the bounded queue, the writer thread, one write transaction per batch,
// preconditions checked before each unit is applied, map growth, and completions in order.
#include "clearing/store/writer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <utility>

#include "clearing/store/detail/env_state.h"
#include "clearing/store/errc.h"
#include "config/assert.h"

namespace sy::clearing::store {
namespace {

void run_inline(void*, std::function<void()> work) {
  work();
}

error_code validate(const unit_of_work& unit) noexcept {
  if (unit.ops.empty() || unit.ops.size() > limits::store_unit_op_count_max) {
    return errc::unit_too_large;
  }
  for (const operation& op : unit.ops) {
    if (op.key.empty() || op.key.size() > limits::store_key_size_max) return errc::key_too_large;
    if (op.payload.size() > limits::store_value_size_max ||
        op.expected.size() > limits::store_value_size_max) {
      return errc::value_too_large;
    }
  }
  return {};
}

error_code from_lmdb(int rc) noexcept {
  return rc == MDB_MAP_FULL ? error_code(errc::map_full) : make_lmdb_error(rc);
}

// Whether the stored `value` under op's key is the record op.expected describes. A record that
// fails its envelope check is not the one the caller read either.
bool holds_expected(const operation& op, std::string_view value) noexcept {
  const auto stored = unseal(op.where, op.key, value);
  return stored && stored->kind == op.expected_kind && stored->payload == op.expected;
}

// The first operation of `unit` whose precondition fails against `txn`, as an outcome; an empty
// outcome when all hold. An LMDB failure fails the batch (returned as the error).
result<commit_outcome> check_preconditions(detail::env_state& s, MDB_txn* txn,
                                           const unit_of_work& unit) noexcept {
  for (std::size_t i = 0; i < unit.ops.size(); ++i) {
    const operation& op = unit.ops[i];
    if (op.condition == require::none) continue;
    MDB_val key = detail::to_val(op.key);
    MDB_val value;
    const int rc = mdb_get(txn, s.dbi(op.where), &key, &value);
    if (rc != 0 && rc != MDB_NOTFOUND) {
      return result<commit_outcome>(boost::system::in_place_error, from_lmdb(rc));
    }
    const bool exists = rc == 0;
    if (op.condition == require::absent && exists) return commit_outcome{errc::key_exists, i};
    if (op.condition != require::absent && !exists) return commit_outcome{errc::key_missing, i};
    if (op.condition == require::unchanged &&
        !holds_expected(op,
                        std::string_view(static_cast<const char*>(value.mv_data), value.mv_size))) {
      return commit_outcome{errc::record_changed, i};
    }
  }
  return commit_outcome{};
}

// Applies one operation; the envelope is sealed straight into the page LMDB reserves.
int apply(detail::env_state& s, MDB_txn* txn, const operation& op) noexcept {
  MDB_val key = detail::to_val(op.key);
  if (op.act == operation::action::erase) {
    const int rc = mdb_del(txn, s.dbi(op.where), &key, nullptr);
    return rc == MDB_NOTFOUND ? 0 : rc;
  }
  MDB_val value{envelope_size(op.payload.size()), nullptr};
  if (const int rc = mdb_put(txn, s.dbi(op.where), &key, &value, MDB_RESERVE)) return rc;
  seal(op.where, op.key, op.kind, op.payload, static_cast<char*>(value.mv_data));
  return 0;
}

}  // namespace

executor inline_executor() noexcept {
  return {nullptr, &run_inline};
}

commit_outcome commit_and_wait(writer& w, unit_of_work unit) {
  std::promise<commit_outcome> done;
  auto outcome = done.get_future();
  auto submitted = w.submit(std::move(unit), inline_executor(),
                            [&done](const commit_outcome& o) { done.set_value(o); });
  if (!submitted) return {submitted.error(), 0};
  return outcome.get();
}

commit_outcome commit_all_and_wait(writer& w, std::vector<unit_of_work> units) {
  struct shared_state {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t pending = 0;
    commit_outcome first_failure;
  } state;
  const auto record = [&state](const commit_outcome& o) {
    const std::lock_guard lock(state.mutex);
    if (o.error && !state.first_failure.error) state.first_failure = o;
    --state.pending;
    state.done.notify_all();
  };
  for (auto& unit : units) {
    {
      const std::lock_guard lock(state.mutex);
      ++state.pending;
    }
    for (;;) {
      // A copy: a refused submit has consumed its argument, and a full queue is retried.
      auto submitted = w.submit(unit, inline_executor(), record);
      if (submitted) break;
      if (submitted.error() != errc::queue_full) {
        record({submitted.error(), 0});
        break;
      }
      // A full queue drains within a batch or two: wait for one of ours to complete.
      std::unique_lock lock(state.mutex);
      state.done.wait_for(lock, std::chrono::milliseconds(1));
    }
  }
  std::unique_lock lock(state.mutex);
  state.done.wait(lock, [&state] { return state.pending == 0; });
  return state.first_failure;
}

writer::writer(environment& env, writer_options options)
    : env_(env), options_(options), ring_(options.queue_unit_count_max) {
  SY_VERIFY(options_.queue_unit_count_max > 0 && options_.batch_unit_count_max > 0);
  SY_VERIFY(!env.options().read_only);
  thread_ = std::thread([this] { run(); });
}

writer::~writer() {
  stop();
}

result<void> writer::submit(unit_of_work unit, executor ex, completion_handler handler) {
  // A caller bug, caught here rather than as a crash on the writer thread later.
  SY_VERIFY(ex.post != nullptr && handler != nullptr);
  if (const error_code ec = validate(unit)) return ec;
  bool notify = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return errc::writer_stopped;
    if (size_ == ring_.size()) return errc::queue_full;
    ring_[(head_ + size_) % ring_.size()] =
        pending{std::move(unit), ex, std::move(handler), commit_outcome{}};
    ++size_;
    notify = std::exchange(idle_, false);
  }
  if (notify) wake_.notify_one();
  return {};
}

void writer::stop() {
  SY_ASSERT(std::this_thread::get_id() != thread_.get_id());
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

writer_counters writer::counters() const noexcept {
  return {batches_.load(), units_applied_.load(), units_refused_.load(), units_failed_.load()};
}

void writer::run() {
  std::vector<pending> batch;
  batch.reserve(options_.batch_unit_count_max);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      while (size_ == 0 && !stopping_) {
        idle_ = true;
        wake_.wait(lock);
      }
      idle_ = false;
      if (size_ == 0) return;  // stopping, and everything queued has been completed
    }
    take_queued(batch);
    const auto started = std::chrono::steady_clock::now();
    commit_batch(batch);
    if (options_.on_batch)
      options_.on_batch(batch.size(), std::chrono::steady_clock::now() - started);
    complete(batch);
    batch.clear();
  }
}

bool writer::take_queued(std::vector<pending>& batch) {
  const std::lock_guard lock(mutex_);
  const std::size_t take = std::min(size_, options_.batch_unit_count_max - batch.size());
  for (std::size_t i = 0; i < take; ++i) {
    batch.push_back(std::move(ring_[head_]));
    ring_[head_] = pending{};
    head_ = (head_ + 1) % ring_.size();
  }
  size_ -= take;
  return take > 0;
}

void writer::commit_batch(std::vector<pending>& batch) {
  detail::env_state& s = detail::state_of(env_);
  error_code ec = try_commit(batch);
  // A full map: grow (when allowed) and retry the whole batch, which was aborted.
  while (ec == errc::map_full) {
    const error_code grown = s.grow_map();
    if (grown) {
      s.map_full_count.fetch_add(1);
      if (!std::exchange(map_full_logged_, true)) {
        s.warn("store map full at " + std::to_string(s.map_size.load()) +
               " bytes: " + grown.message());
      }
      if (grown != errc::map_full) ec = grown;  // growth itself failed: report why
      break;
    }
    ec = try_commit(batch);
  }
  if (!ec) {
    map_full_logged_ = false;
    return;
  }
  for (pending& p : batch) p.outcome = commit_outcome{ec, 0};
  units_failed_.fetch_add(batch.size());
}

error_code writer::try_commit(std::vector<pending>& batch) {
  detail::env_state& s = detail::state_of(env_);
  batches_.fetch_add(1);
  MDB_txn* txn = nullptr;
  if (const int rc = mdb_txn_begin(s.env, nullptr, 0, &txn)) return from_lmdb(rc);
  std::uint64_t refused = 0;
  // Units queued while earlier ones were being applied join this commit too (up to the batch
  // cap): the fsync is the cost to share, and a unit that waits costs only its apply time.
  for (std::size_t i = 0; i < batch.size() || take_queued(batch); ++i) {
    pending& p = batch[i];
    auto checked = check_preconditions(s, txn, p.unit);
    if (!checked) {
      mdb_txn_abort(txn);
      return checked.error();
    }
    p.outcome = *checked;
    if (p.outcome.error) {
      ++refused;
      continue;
    }
    for (const operation& op : p.unit.ops) {
      if (const int rc = apply(s, txn, op)) {
        mdb_txn_abort(txn);
        return from_lmdb(rc);
      }
    }
  }
  if (s.options.faults != nullptr && s.options.faults->commit_fails()) {
    mdb_txn_abort(txn);
    return errc::injected_failure;
  }
  if (const int rc = mdb_txn_commit(txn)) return from_lmdb(rc);
  units_refused_.fetch_add(refused);
  units_applied_.fetch_add(batch.size() - refused);
  return {};
}

void writer::complete(std::vector<pending>& batch) {
  for (pending& p : batch) {
    p.ex.post(p.ex.context,
              [handler = std::move(p.handler), outcome = p.outcome] { handler(outcome); });
  }
}

}  // namespace sy::clearing::store
