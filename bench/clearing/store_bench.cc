// Durable commits per second of the group-commit writer against raw LMDB batches on the same disk.
// Target: with 64 concurrent submitters the writer reaches at least 70% of the raw LMDB ceiling
// (raw puts of the same units, batches of 64, fsync on every commit). Run on a disk, not tmpfs.
#include <benchmark/benchmark.h>
#include <linux/futex.h>
#include <lmdb.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "clearing/store/environment.h"
#include "clearing/store/writer.h"

namespace {

namespace store = sy::clearing::store;

// Under the system temp dir, which on the benchmark machine is the same disk as /work (checked
// with `df /tmp`): tmpfs would measure memory, not fsync.
class bench_dir {
 public:
  bench_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sy-store-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~bench_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One realistic unit of work, about 1 KB in three puts: the idempotency record (fingerprint,
// state, stored response), the payment, and its journal entry under the business date.
struct unit_values {
  std::string idempotency_key, payment_key, journal_key;
  std::string idempotency_value = std::string(420, 'r');
  std::string payment_value = std::string(380, 'p');
  std::string journal_value = std::string(150, 'j');

  // The n-th unit of the run. Payment ids are time-sortable across the whole switch (one
  // sequence, however many submitters), so payments and journal grow at their ends; merchants'
  // idempotency keys arrive in no order. The raw ceiling uses the same keys.
  void next(std::uint64_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "m0001:%016llx",
                  static_cast<unsigned long long>(n * 0x9e3779b97f4a7c15ULL));
    idempotency_key = buf;
    std::snprintf(buf, sizeof buf, "pay_%016llu", static_cast<unsigned long long>(n));
    payment_key = buf;
    journal_key = "20261122/" + payment_key;
  }
};

store::environment_options bench_options(const std::string& path) {
  store::environment_options o;
  o.path = path;
  o.map_size_bytes = std::int64_t{1} << 30;
  return o;  // default LMDB sync: fsync on every commit
}

// A one-shot event on a bare futex: the waiter sleeps at once instead of spinning and yielding
// first as std::atomic::wait does, which with 64 submitters on 2 cores steals the writer's CPU.
class completion_event {
 public:
  void reset() { word_.store(0); }
  void set() {
    word_.store(1);
    ::syscall(SYS_futex, &word_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  void wait() {
    while (word_.load() == 0) {
      ::syscall(SYS_futex, &word_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
  }

 private:
  std::atomic<std::uint32_t> word_{0};
};

// Where completions run: one event-loop thread, as in the gateway, where the writer posts each
// completion to the io_context of the worker that submitted it. Posting only queues the work, so
// the writer thread goes back to its next batch while this thread wakes the submitters.
class event_loop {
 public:
  event_loop() : thread_([this] { run(); }) {}
  ~event_loop() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  store::executor executor() { return {this, &event_loop::post}; }

 private:
  static void post(void* self, std::function<void()> work) {
    auto* loop = static_cast<event_loop*>(self);
    bool notify = false;
    {
      const std::lock_guard lock(loop->mutex_);
      loop->queue_.push_back(std::move(work));
      notify = std::exchange(loop->idle_, false);
    }
    if (notify) loop->wake_.notify_one();
  }

  void run() {
    std::vector<std::function<void()>> ready;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        while (queue_.empty() && !stopping_) {
          idle_ = true;
          wake_.wait(lock);
        }
        if (queue_.empty()) return;
        ready.swap(queue_);
      }
      for (auto& work : ready) work();
      ready.clear();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::function<void()>> queue_;
  bool idle_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

// Submitter threads that each commit `units_each` units per round, one at a time: a submitter
// waits for its unit to be durable before submitting the next (closed loop).
class submitters {
 public:
  submitters(store::writer& w, store::executor ex, int count, int units_each)
      : writer_(w), executor_(ex), units_each_(units_each), start_(count + 1), end_(count + 1) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this] { run(); });
    }
  }
  ~submitters() {
    stopping_ = true;
    start_.arrive_and_wait();
    for (auto& t : threads_) t.join();
  }

  // Returns the number of units that failed in this round.
  int round() {
    start_.arrive_and_wait();
    end_.arrive_and_wait();
    return failures_.exchange(0);
  }

 private:
  void run() {
    unit_values values;
    completion_event done;
    for (;;) {
      start_.arrive_and_wait();
      if (stopping_) return;
      for (int i = 0; i < units_each_; ++i) {
        values.next(sequence_.fetch_add(1));
        store::unit_of_work u;
        u.ops.push_back(store::operation::put(store::table::idempotency, values.idempotency_key, 1,
                                              values.idempotency_value, store::require::absent));
        u.ops.push_back(store::operation::put(store::table::payments, values.payment_key, 1,
                                              values.payment_value));
        u.ops.push_back(store::operation::put(store::table::journal, values.journal_key, 1,
                                              values.journal_value));
        done.reset();
        auto ok =
            writer_.submit(std::move(u), executor_, [this, &done](const store::commit_outcome& o) {
              if (o.error) failures_.fetch_add(1);
              done.set();
            });
        if (!ok) {
          failures_.fetch_add(1);
          continue;
        }
        done.wait();
      }
      end_.arrive_and_wait();
    }
  }

  store::writer& writer_;
  const store::executor executor_;
  const int units_each_;
  std::barrier<> start_;
  std::barrier<> end_;
  std::atomic<int> failures_{0};
  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

// A round is 2048 units however many submitters share it.
constexpr int units_per_round = 2048;

// Closed-loop submitters cannot all be in one batch (those completed by the last commit are still
// resubmitting when the next one starts), so `units_per_batch` reports the size the writer
// actually forms; the raw batches of 1 to 64 bracket it.
void BM_WriterDurableUnits(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  bench_dir dir;
  auto env = store::environment::open(bench_options(dir.path()));
  if (!env) {
    state.SkipWithError(env.error().message().c_str());
    return;
  }
  {
    event_loop loop;
    store::writer w(**env);
    submitters subs(w, loop.executor(), count, units_per_round / count);
    int failures = 0;
    for (auto _ : state) failures += subs.round();
    if (failures != 0) state.SkipWithError("units failed");
    w.stop();
    const store::writer_counters c = w.counters();
    state.counters["units_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * units_per_round, benchmark::Counter::kIsRate);
    state.counters["units_per_batch"] =
        static_cast<double>(c.units_applied) / static_cast<double>(c.batches);
  }
}
BENCHMARK(BM_WriterDurableUnits)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The ceiling: one thread, raw mdb_put of the same three values per unit (no envelope, no
// queue), `batch` units per write transaction, fsync on every commit.
void BM_RawLmdbBatches(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  bench_dir dir;
  MDB_env* env = nullptr;
  MDB_dbi dbis[3] = {};
  int rc = mdb_env_create(&env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, 8);
  if (rc == 0) rc = mdb_env_set_mapsize(env, std::size_t{1} << 30);
  if (rc == 0) rc = mdb_env_open(env, dir.path().c_str(), MDB_NOTLS, 0640);
  MDB_txn* txn = nullptr;
  if (rc == 0) rc = mdb_txn_begin(env, nullptr, 0, &txn);
  const char* names[3] = {"idempotency", "payments", "journal"};
  for (int i = 0; i < 3 && rc == 0; ++i) rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbis[i]);
  if (rc == 0) rc = mdb_txn_commit(txn);
  unit_values values;
  std::uint64_t n = 0;
  std::int64_t units = 0;
  auto put = [&](MDB_dbi dbi, const std::string& k, const std::string& v) {
    MDB_val key{k.size(), const_cast<char*>(k.data())};
    MDB_val val{v.size(), const_cast<char*>(v.data())};
    return mdb_put(txn, dbi, &key, &val, 0);
  };
  for (auto _ : state) {
    if (rc != 0) break;
    rc = mdb_txn_begin(env, nullptr, 0, &txn);
    for (int i = 0; i < batch && rc == 0; ++i) {
      values.next(n++);
      rc = put(dbis[0], values.idempotency_key, values.idempotency_value);
      if (rc == 0) rc = put(dbis[1], values.payment_key, values.payment_value);
      if (rc == 0) rc = put(dbis[2], values.journal_key, values.journal_value);
    }
    if (rc == 0) {
      rc = mdb_txn_commit(txn);
    } else {
      mdb_txn_abort(txn);
    }
    units += batch;
  }
  if (rc != 0) state.SkipWithError(mdb_strerror(rc));
  mdb_env_close(env);
  state.counters["units_per_s"] =
      benchmark::Counter(static_cast<double>(units), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawLmdbBatches)
    ->Arg(1)
    ->Arg(4)
    ->Arg(8)
    ->Arg(32)
    ->Arg(64)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
