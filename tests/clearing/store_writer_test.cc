// Tests of the group-commit writer: durability before completion, completion order, batching,
// preconditions, the bounded queue, stop and drain, map full and growth, injected failures.
#include "clearing/store/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "clearing/store/errc.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

using test::log_capture;
using test::options_for;
using test::temp_dir;

unit_of_work one_put(table t, std::string key, std::string payload = "value",
                     require condition = require::none) {
  unit_of_work u;
  u.ops.push_back(operation::put(t, std::move(key), 1, std::move(payload), condition));
  return u;
}

commit_outcome commit(writer& w, unit_of_work unit) {
  return test::commit_and_wait(w, std::move(unit));
}

// Holds the writer thread inside a completion until released, so that what is submitted
// meanwhile queues up and is taken as one batch.
class stall {
 public:
  explicit stall(writer& w) {
    auto entered = entered_.get_future();
    auto released = released_.get_future().share();
    auto ok = w.submit(one_put(table::meta, "stall"), inline_executor(),
                       [this, released](const commit_outcome&) {
                         entered_.set_value();
                         released.wait();
                       });
    EXPECT_TRUE(ok.has_value());
    entered.wait();
  }
  ~stall() { release(); }
  void release() {
    if (!released_flag_.exchange(true)) released_.set_value();
  }

 private:
  std::promise<void> entered_;
  std::promise<void> released_;
  std::atomic<bool> released_flag_{false};
};

class StoreWriter : public ::testing::Test {
 protected:
  void open(environment_options o, writer_options w = {}) {
    auto env = environment::open(std::move(o));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    env_ = std::move(*env);
    writer_ = std::make_unique<writer>(*env_, w);
  }
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    open(options_for(dir_, &log_, &faults_));
  }
  void TearDown() override {
    writer_.reset();
    env_.reset();
  }

  bool present(table t, std::string_view key) { return env_->read(t, key).has_value(); }

  temp_dir dir_;
  log_capture log_;
  fault_plan faults_;
  std::unique_ptr<environment> env_;
  std::unique_ptr<writer> writer_;
};

TEST_F(StoreWriter, ACompletedUnitIsReadableAndSurvivesReopening) {
  unit_of_work u;
  u.ops.push_back(
      operation::put(table::idempotency, "m1:k1", 3, "fingerprint+response", require::absent));
  u.ops.push_back(operation::put(table::payments, "pay_1", 4, "authorized"));
  u.ops.push_back(operation::put(table::journal, "2026-11-22/pay_1", 5, "entry"));
  const commit_outcome outcome = commit(*writer_, std::move(u));
  ASSERT_FALSE(outcome.error) << outcome.error.message();
  auto rec = env_->read(table::payments, "pay_1");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(*rec, (record{4, "authorized"}));
  writer_.reset();
  env_.reset();
  open(options_for(dir_));
  EXPECT_EQ(env_->read(table::idempotency, "m1:k1").value(), (record{3, "fingerprint+response"}));
  EXPECT_EQ(env_->read(table::journal, "2026-11-22/pay_1").value(), (record{5, "entry"}));
}

TEST_F(StoreWriter, QueuedUnitsCommitInOneBatchAndCompleteInSubmissionOrder) {
  std::vector<int> order;
  std::mutex order_mutex;
  std::atomic<int> completed{0};
  {
    stall hold(*writer_);
    for (int i = 0; i < 50; ++i) {
      auto ok = writer_->submit(one_put(table::payments, "pay_" + std::to_string(i)),
                                inline_executor(), [&, i](const commit_outcome& o) {
                                  EXPECT_FALSE(o.error);
                                  const std::lock_guard lock(order_mutex);
                                  order.push_back(i);
                                  completed.fetch_add(1);
                                });
      ASSERT_TRUE(ok.has_value());
    }
  }
  writer_->stop();
  ASSERT_EQ(completed.load(), 50);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  const writer_counters c = writer_->counters();
  EXPECT_EQ(c.batches, 2u);  // the stalling unit, then all 50 together
  EXPECT_EQ(c.units_applied, 51u);
}

TEST_F(StoreWriter, BatchesAreCappedAtTheConfiguredSize) {
  writer_.reset();
  writer_ = std::make_unique<writer>(*env_, writer_options{64, 8, {}});
  {
    stall hold(*writer_);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(writer_->submit(one_put(table::events, "e" + std::to_string(i)),
                                  inline_executor(), [](const commit_outcome&) {}));
    }
  }
  writer_->stop();
  EXPECT_EQ(writer_->counters().batches, 4u);  // stall, then 8 + 8 + 4
  EXPECT_EQ(writer_->counters().units_applied, 21u);
}

TEST_F(StoreWriter, AFailedPreconditionRejectsOnlyItsUnit) {
  std::vector<commit_outcome> outcomes(3);
  {
    stall hold(*writer_);
    auto submit = [&](std::size_t slot, const std::string& payment) {
      unit_of_work u;
      u.ops.push_back(operation::put(table::payments, payment, 1, "p"));
      u.ops.push_back(
          operation::put(table::idempotency, "m1:same-key", 2, payment, require::absent));
      ASSERT_TRUE(
          writer_->submit(std::move(u), inline_executor(),
                          [&outcomes, slot](const commit_outcome& o) { outcomes[slot] = o; }));
    };
    submit(0, "pay_a");
    submit(1, "pay_b");
    ASSERT_TRUE(writer_->submit(one_put(table::payments, "pay_c"), inline_executor(),
                                [&outcomes](const commit_outcome& o) { outcomes[2] = o; }));
  }
  writer_->stop();
  EXPECT_FALSE(outcomes[0].error);
  EXPECT_EQ(outcomes[1].error, errc::key_exists);
  EXPECT_EQ(outcomes[1].op_index, 1u);
  EXPECT_FALSE(outcomes[2].error);
  EXPECT_TRUE(present(table::payments, "pay_a"));
  EXPECT_FALSE(present(table::payments, "pay_b"));  // nothing of the refused unit
  EXPECT_TRUE(present(table::payments, "pay_c"));
  EXPECT_EQ(env_->read(table::idempotency, "m1:same-key")->payload, "pay_a");
  EXPECT_EQ(writer_->counters().units_refused, 1u);
}

TEST_F(StoreWriter, RequirePresentAndErase) {
  EXPECT_EQ(commit(*writer_, one_put(table::saf, "s1", "x", require::present)).error,
            errc::key_missing);
  ASSERT_FALSE(commit(*writer_, one_put(table::saf, "s1")).error);
  EXPECT_FALSE(commit(*writer_, one_put(table::saf, "s1", "y", require::present)).error);
  EXPECT_EQ(env_->read(table::saf, "s1")->payload, "y");
  unit_of_work erase;
  erase.ops.push_back(operation::erase(table::saf, "s1", require::present));
  erase.ops.push_back(operation::erase(table::saf, "never-there"));
  EXPECT_FALSE(commit(*writer_, std::move(erase)).error);
  EXPECT_EQ(env_->read(table::saf, "s1").error(), errc::not_found);
}

// Two requests that read the same record and both change it: only the first commits, even when
// both are in the same batch, and an erase is as guarded as a put.
TEST_F(StoreWriter, RequireUnchangedIsCompareAndSet) {
  ASSERT_FALSE(commit(*writer_, one_put(table::payments, "pay_1", "authorized")).error);
  auto replace = [](std::string payload, std::uint8_t expected_kind, std::string expected) {
    unit_of_work u;
    u.ops.push_back(operation::put(table::events, "e-" + payload, 1, "x"));
    u.ops.push_back(operation::replace(table::payments, "pay_1", 1, std::move(payload),
                                       expected_kind, std::move(expected)));
    return u;
  };
  std::vector<commit_outcome> outcomes(2);
  {
    stall held(*writer_);
    for (std::size_t i = 0; i < 2; ++i) {
      ASSERT_TRUE(writer_->submit(replace(i == 0 ? "captured" : "voided", 1, "authorized"),
                                  inline_executor(),
                                  [&outcomes, i](const commit_outcome& o) { outcomes[i] = o; }));
    }
  }
  writer_->stop();
  EXPECT_FALSE(outcomes[0].error);
  EXPECT_EQ(outcomes[1].error, errc::record_changed);
  EXPECT_EQ(outcomes[1].op_index, 1u);
  EXPECT_EQ(env_->read(table::payments, "pay_1")->payload, "captured");
  EXPECT_FALSE(present(table::events, "e-voided"));

  writer_ = std::make_unique<writer>(*env_);
  // The kind is part of what was read; a missing record is key_missing.
  EXPECT_EQ(commit(*writer_, replace("refunded", 2, "captured")).error, errc::record_changed);
  unit_of_work erase;
  erase.ops.push_back(operation::erase_unchanged(table::payments, "pay_1", 1, "authorized"));
  EXPECT_EQ(commit(*writer_, std::move(erase)).error, errc::record_changed);
  unit_of_work erase_current;
  erase_current.ops.push_back(operation::erase_unchanged(table::payments, "pay_1", 1, "captured"));
  EXPECT_FALSE(commit(*writer_, std::move(erase_current)).error);
  EXPECT_EQ(commit(*writer_, replace("refunded", 1, "captured")).error, errc::key_missing);
}

TEST_F(StoreWriter, RefusesMalformedUnitsAtOnce) {
  auto refuse = [&](unit_of_work u) {
    return writer_
        ->submit(std::move(u), inline_executor(),
                 [](const commit_outcome&) { ADD_FAILURE() << "a refused unit must not complete"; })
        .error();
  };
  EXPECT_EQ(refuse({}), errc::unit_too_large);
  unit_of_work many;
  for (std::size_t i = 0; i <= limits::store_unit_op_count_max; ++i) {
    many.ops.push_back(operation::put(table::events, "e" + std::to_string(i), 1, "x"));
  }
  EXPECT_EQ(refuse(std::move(many)), errc::unit_too_large);
  EXPECT_EQ(refuse(one_put(table::events, "")), errc::key_too_large);
  EXPECT_EQ(refuse(one_put(table::events, std::string(limits::store_key_size_max + 1, 'k'))),
            errc::key_too_large);
  EXPECT_EQ(refuse(one_put(table::events, "k", std::string(limits::store_value_size_max + 1, 'v'))),
            errc::value_too_large);
  EXPECT_FALSE(
      commit(*writer_, one_put(table::events, "k", std::string(limits::store_value_size_max, 'v')))
          .error);
}

TEST_F(StoreWriter, AFullQueueRefusesAtOnceAndNeverGrows) {
  writer_.reset();
  writer_ = std::make_unique<writer>(*env_, writer_options{4, 4, {}});
  std::atomic<int> completed{0};
  {
    stall hold(*writer_);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(writer_->submit(one_put(table::nonces, "n" + std::to_string(i)),
                                  inline_executor(),
                                  [&](const commit_outcome&) { completed.fetch_add(1); }));
    }
    EXPECT_EQ(writer_
                  ->submit(one_put(table::nonces, "n-overflow"), inline_executor(),
                           [](const commit_outcome&) { ADD_FAILURE() << "refused"; })
                  .error(),
              errc::queue_full);
  }
  writer_->stop();
  EXPECT_EQ(completed.load(), 4);
  EXPECT_FALSE(present(table::nonces, "n-overflow"));
}

TEST_F(StoreWriter, StopCommitsEverythingQueuedThenRefuses) {
  std::atomic<int> committed{0};
  std::thread stopper;
  {
    stall hold(*writer_);
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(writer_->submit(one_put(table::batches, "b" + std::to_string(i)),
                                  inline_executor(), [&](const commit_outcome& o) {
                                    if (!o.error) committed.fetch_add(1);
                                  }));
    }
    stopper = std::thread([this] { writer_->stop(); });
    // Wait until stop() has closed the queue while the writer is still held.
    while (writer_->submit(one_put(table::batches, "probe"), inline_executor(),
                           [&](const commit_outcome& o) {
                             if (!o.error) committed.fetch_add(1);
                           })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  stopper.join();
  EXPECT_GE(committed.load(), 30);
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(present(table::batches, "b" + std::to_string(i)));
  EXPECT_EQ(
      writer_
          ->submit(one_put(table::batches, "late"), inline_executor(), [](const commit_outcome&) {})
          .error(),
      errc::writer_stopped);
  writer_->stop();  // idempotent
}

TEST_F(StoreWriter, CompletionsRunOnTheCallersExecutor) {
  struct queue_executor {
    std::mutex mutex;
    std::deque<std::function<void()>> work;
    static void post(void* self, std::function<void()> fn) {
      auto* q = static_cast<queue_executor*>(self);
      const std::lock_guard lock(q->mutex);
      q->work.push_back(std::move(fn));
    }
  } queue;
  std::thread::id ran_on;
  ASSERT_TRUE(writer_->submit(one_put(table::payments, "pay_q"),
                              executor{&queue, &queue_executor::post},
                              [&](const commit_outcome& o) {
                                EXPECT_FALSE(o.error);
                                ran_on = std::this_thread::get_id();
                              }));
  for (;;) {
    std::function<void()> fn;
    {
      const std::lock_guard lock(queue.mutex);
      if (!queue.work.empty()) {
        fn = std::move(queue.work.front());
        queue.work.pop_front();
      }
    }
    if (fn) {
      fn();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_TRUE(present(table::payments, "pay_q"));
}

TEST_F(StoreWriter, ManyConcurrentSubmittersAllCommit) {
  constexpr int threads = 8;
  constexpr int per_thread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string id = "pay_" + std::to_string(t) + "_" + std::to_string(i);
        unit_of_work u;
        u.ops.push_back(operation::put(table::idempotency, "m:" + id, 1, "r", require::absent));
        u.ops.push_back(operation::put(table::payments, id, 2, std::string(400, 'p')));
        u.ops.push_back(operation::put(table::journal, "2026-11-22/" + id, 3, "j"));
        if (commit(*writer_, std::move(u)).error) failures.fetch_add(1);
      }
    });
  }
  for (auto& s : submitters) s.join();
  EXPECT_EQ(failures.load(), 0);
  auto count = env_->scan(table::journal, {"2026-11-22/", "", 100000},
                          [](std::string_view, const record_view&) { return true; });
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, std::size_t{threads * per_thread});
}

// Fails the n-th commit for every n over a fixed sequence of units: exactly that unit fails,
// nothing of it is stored, and every other unit is intact.
TEST_F(StoreWriter, AnInjectedCommitFailureFailsExactlyThatBatchAtomically) {
  constexpr int units = 6;
  for (int n = 1; n <= units; ++n) {
    const std::string round = "r" + std::to_string(n) + "_";
    faults_.fail_commit(static_cast<std::uint64_t>(n));
    for (int i = 1; i <= units; ++i) {
      unit_of_work u;
      u.ops.push_back(operation::put(table::payments, round + std::to_string(i), 1, "p"));
      u.ops.push_back(operation::put(table::events, round + std::to_string(i), 1, "e"));
      const commit_outcome o = commit(*writer_, std::move(u));
      EXPECT_EQ(o.error == errc::injected_failure, i == n) << "n " << n << " unit " << i;
      EXPECT_EQ(present(table::payments, round + std::to_string(i)), i != n);
      EXPECT_EQ(present(table::events, round + std::to_string(i)), i != n);
    }
  }
  EXPECT_EQ(writer_->counters().units_failed, std::uint64_t{units});
}

class StoreWriterSmallMap : public StoreWriter {
 protected:
  void SetUp() override {}
  environment_options tiny(bool growth) {
    environment_options o = options_for(dir_, &log_);
    o.map_size_bytes = 256 << 10;
    o.map_size_max = growth ? std::int64_t{16} << 20 : o.map_size_bytes;
    o.map_growth = growth;
    return o;
  }
};

TEST_F(StoreWriterSmallMap, AFullMapFailsTheCallersAndLogsOnce) {
  open(tiny(false));
  int full = 0;
  int ok = 0;
  for (int i = 0; i < 64 && full < 3; ++i) {
    const commit_outcome o = commit(
        *writer_, one_put(table::payments, "pay_" + std::to_string(i), std::string(16000, 'x')));
    if (o.error == errc::map_full) {
      ++full;
    } else {
      ASSERT_FALSE(o.error) << o.error.message();
      ++ok;
    }
  }
  EXPECT_EQ(full, 3);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(env_->counters().map_full, 3u);
  EXPECT_EQ(log_.lines().size(), 1u);
  EXPECT_TRUE(present(table::payments, "pay_0"));  // what committed before stays readable
  EXPECT_FALSE(commit(*writer_, unit_of_work{{operation::erase(table::payments, "pay_0")}}).error);
}

TEST_F(StoreWriterSmallMap, GrowsTheMapWhileReadersRun) {
  open(tiny(true));
  const std::int64_t initial = env_->map_size_bytes();
  ASSERT_FALSE(commit(*writer_, one_put(table::payments, "pay_first", "x")).error);
  std::atomic<bool> done{false};
  std::atomic<int> read_failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      if (!env_->read(table::payments, "pay_first")) read_failures.fetch_add(1);
    }
  });
  for (int i = 0; i < 200; ++i) {
    const commit_outcome o = commit(
        *writer_, one_put(table::payments, "pay_" + std::to_string(i), std::string(16000, 'x')));
    ASSERT_FALSE(o.error) << i << ": " << o.error.message();
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_GT(env_->map_size_bytes(), initial);
  EXPECT_GT(env_->counters().map_grown, 0u);
  EXPECT_EQ(env_->counters().map_full, 0u);
  EXPECT_TRUE(present(table::payments, "pay_199"));
}

}  // namespace
}  // namespace sy::clearing::store
