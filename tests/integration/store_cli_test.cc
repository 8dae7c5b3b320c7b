// `switchyard store stat|check` against a real store on disk: a clean store passes, a flipped
// byte in a record is found and named, a missing store is an error, not a new empty store, and
// the read-only open works beside a committing writer, under its write lock, and in a directory
// the tool may not write.
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "clearing/book.h"
#include "clearing/store/environment.h"
#include "clearing/store/fingerprint.h"
#include "clearing/store/writer.h"
#include "config/fatal.h"
#include "tests/integration/background_process.h"
#include "tests/integration/process.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;
namespace store = clearing::store;

constexpr std::string_view marker = "switchyard-store-cli-test-payload";

int code(exit_code c) {
  return static_cast<int>(c);
}

// The unit of payment `n` declined by the switch itself: every table a payment touches
// (idempotency, payments, index, events, journal), so `check` verifies them against each other.
// The description carries `marker`, for the test that damages a record on disk.
store::unit_of_work payment_unit(std::uint64_t n) {
  const std::string id = "pay_" + std::to_string(n);
  const std::chrono::sys_seconds now{std::chrono::seconds{1'795'303'125}};
  protocol::create_payment_request request;
  request.amount = protocol::money{1000, *protocol::find_currency("CNY")};
  request.merchant_reference = "order-" + std::to_string(n);
  request.description = std::string(marker) + std::to_string(n);
  request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", ""};
  const auto opened = clearing::open_payment(id, "m1", request, now);
  const clearing::event_stamp stamp{"ev_" + std::to_string(n), clearing::event_time{now},
                                    std::chrono::year_month_day{std::chrono::sys_days{}}};
  const auto declined = clearing::apply_outcome(
      *opened, clearing::channel_declined{protocol::decline::risk_limit_exceeded, std::nullopt},
      stamp);
  const clearing::merchant_request m{
      "m1", "key-" + id, store::fingerprint("POST", "/", id), now, now + std::chrono::hours{24},
      id};
  return clearing::decided(m, *declined, clearing::stored_response{201, "{}"});
}

// A scratch directory laid out like a switch's working directory: the embedded default
// configuration keeps its store in data/store below it.
class StoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("switchyard-store-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path store_path() const { return dir_ / "data" / "store"; }

  // Commits `units` through the real writer (fsync'd commits) and closes the store.
  void commit_all(std::vector<store::unit_of_work> units) {
    store::environment_options options;
    options.path = store_path().string();
    auto env = store::environment::open(options);
    ASSERT_TRUE(env) << env.error().message();
    store::writer writer(**env);
    for (auto& unit : units) {
      const auto outcome = store::commit_and_wait(writer, std::move(unit));
      ASSERT_FALSE(outcome.error) << outcome.error.message();
    }
  }

  void write_payments() { commit_all({payment_unit(0), payment_unit(1), payment_unit(2)}); }

  // Flips one byte of the first payment's payload, as a bad disk would. Copy-on-write leaves
  // stale copies of a page in the file, so every copy is changed to be sure the live one is.
  void corrupt_a_record() {
    const fs::path file = store_path() / "data.mdb";
    std::fstream data(file, std::ios::in | std::ios::out | std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(data), std::istreambuf_iterator<char>()};
    const std::string first_payload = std::string(marker) + "0";
    std::size_t copies = 0;
    for (auto at = bytes.find(first_payload); at != std::string::npos;
         at = bytes.find(first_payload, at + 1), ++copies) {
      data.seekp(static_cast<std::streamoff>(at));
      data.put('S');
    }
    ASSERT_GT(copies, 0u);
  }

  // Commits one payment after another until `stop` is set; returns how many committed.
  static std::uint64_t commit_until(store::writer& writer, const std::atomic<bool>& stop) {
    std::uint64_t committed = 0;
    while (!stop.load() && !store::commit_and_wait(writer, payment_unit(1000 + committed)).error) {
      ++committed;
    }
    return committed;
  }

  process_result switchyard(const std::string& command) {
    return run_process({switchyard_binary(), "store", command}, {}, dir_.string());
  }

  fs::path dir_;
};

TEST_F(StoreCli, CheckPassesOnACleanStore) {
  write_payments();
  const auto r = switchyard("check");
  EXPECT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.out.find("payments"), std::string::npos) << r.out;
}

TEST_F(StoreCli, StatCountsTheRecords) {
  write_payments();
  const auto r = switchyard("stat");
  ASSERT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.out.find("payments"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find('3'), std::string::npos) << r.out;
}

TEST_F(StoreCli, CheckFindsAFlippedByteAndExitsWithStoreCorrupt) {
  write_payments();
  corrupt_a_record();
  const auto r = switchyard("check");
  EXPECT_EQ(r.exit_code, code(exit_code::store_corrupt)) << r.out << r.err;
  EXPECT_NE(r.out.find("corrupt 1"), std::string::npos) << r.out;
}

// Records that verify one by one but disagree with each other: an event whose journal entry is
// gone, as a bug or a hand-edited store would leave it.
TEST_F(StoreCli, CheckFindsAnEventMissingFromTheJournal) {
  write_payments();
  store::unit_of_work erase;
  erase.ops.push_back(store::operation::erase(
      store::table::journal,
      clearing::layout::journal_key(std::chrono::year_month_day{std::chrono::sys_days{}}, "ev_1"),
      store::require::present));
  std::vector<store::unit_of_work> units;
  units.push_back(std::move(erase));
  commit_all(std::move(units));
  const auto r = switchyard("check");
  EXPECT_EQ(r.exit_code, code(exit_code::store_corrupt)) << r.out << r.err;
  EXPECT_NE(r.out.find("missing from the journal of its business date"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("check: 1 problems"), std::string::npos) << r.out;
}

// Start-up recovery: a payment whose "sent" commit landed but whose answer never did is found
// when the switch starts again; on a bank channel it fails as timed out and is queued for
// reversal, on a wallet channel it stays as sent (a status query recovers it, not a reversal).
TEST_F(StoreCli, RunRecoversRequestsSentWithoutAFinalStateIntoReversals) {
  const std::chrono::sys_seconds now{std::chrono::seconds{1'795'303'125}};
  std::vector<store::unit_of_work> units;
  for (const auto& [id, channel] : {std::pair{"pay_9", "bank_sim"}, {"pay_8", "wallet_sim"}}) {
    protocol::create_payment_request request;
    request.amount = protocol::money{1000, *protocol::find_currency("CNY")};
    request.merchant_reference = std::string("order-") + id;
    request.payment_method = protocol::card_details{"4111111111111111", 12, 2030, "123", ""};
    auto payment = *clearing::open_payment(id, "m1", request, now);
    payment.resource.channel = channel;
    clearing::layout::channel_request sent_request;
    sent_request.channel = channel;
    sent_request.merchant_id = "m1";
    sent_request.payment_id = id;
    sent_request.mti = "0200";
    sent_request.amount = request.amount;
    const clearing::merchant_request m{
        "m1", std::string("key-") + id,     store::fingerprint("POST", "/", id),
        now,  now + std::chrono::hours{24}, id};
    units.push_back(clearing::sent({m, std::nullopt, payment, std::nullopt, sent_request}));
  }
  commit_all(std::move(units));
  const auto r = run_switch_until_running({"run"}, dir_.string());
  EXPECT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.out.find("recovery      1 request(s) sent without a final state, queued for "
                       "reversal"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("recovery      1 request(s) to wallet or unconfigured channels left as "
                       "sent"),
            std::string::npos)
      << r.out;
  store::environment_options options;
  options.path = store_path().string();
  options.read_only = true;
  auto env = store::environment::open(options);
  ASSERT_TRUE(env) << env.error().message();
  const clearing::book book(**env);
  const auto left = book.unanswered();
  ASSERT_TRUE(left && left->size() == 1);
  EXPECT_EQ((*left)[0].request.payment_id, "pay_8");
  const auto due = book.reversals_due();
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].request.payment_id, "pay_9");
  EXPECT_EQ(book.payment("pay_9")->resource.status, protocol::payment_status::failed);
  EXPECT_EQ(book.payment("pay_8")->resource.status, protocol::payment_status::pending);
}

TEST_F(StoreCli, AMissingStoreIsAnErrorAndIsNotCreated) {
  const auto r = switchyard("check");
  EXPECT_EQ(r.exit_code, code(exit_code::store_unavailable)) << r.out << r.err;
  EXPECT_FALSE(fs::exists(store_path()));
}

TEST_F(StoreCli, AnEmptyDirectoryIsNotTurnedIntoAStore) {
  fs::create_directories(store_path());
  const auto r = switchyard("stat");
  EXPECT_EQ(r.exit_code, code(exit_code::store_unavailable)) << r.out << r.err;
  EXPECT_FALSE(fs::exists(store_path() / "data.mdb"));
}

// A running switch keeps its store open and commits all the time; the tools read beside it.
TEST_F(StoreCli, CheckAndStatRunBesideACommittingWriter) {
  write_payments();
  store::environment_options options;
  options.path = store_path().string();
  auto env = store::environment::open(options);
  ASSERT_TRUE(env) << env.error().message();
  store::writer writer(**env);
  std::atomic<bool> stop{false};
  auto committed = std::async(std::launch::async, [&] { return commit_until(writer, stop); });
  const auto checked = switchyard("check");
  const auto stated = switchyard("stat");
  stop.store(true);
  EXPECT_EQ(checked.exit_code, code(exit_code::ok)) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("check: ok"), std::string::npos) << checked.out;
  EXPECT_EQ(stated.exit_code, code(exit_code::ok)) << stated.out << stated.err;
  EXPECT_GT(committed.get(), 0u);
}

// A read-only open never takes LMDB's write lock, so a long write transaction (a big batch, a
// slow fsync) does not hold up an inspection.
TEST_F(StoreCli, CheckDoesNotWaitForTheWriteLock) {
  write_payments();
  MDB_env* raw = nullptr;
  ASSERT_EQ(mdb_env_create(&raw), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(raw, 16), 0);
  ASSERT_EQ(mdb_env_open(raw, store_path().c_str(), 0, 0640), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(raw, nullptr, 0, &txn), 0);
  auto checked = std::async(std::launch::async, [&] { return switchyard("check"); });
  // On failure the child waits for the lock: release it so that the test ends either way.
  const bool finished = checked.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  mdb_txn_abort(txn);
  mdb_env_close(raw);
  EXPECT_TRUE(finished) << "store check waited for the writer's lock";
  const auto r = checked.get();
  EXPECT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
}

TEST_F(StoreCli, CheckWorksInADirectoryItMayNotWrite) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: chmod does not make files read-only";
  write_payments();
  for (const char* name : {"data.mdb", "lock.mdb"}) {
    ASSERT_EQ(::chmod((store_path() / name).c_str(), 0444), 0);
  }
  ASSERT_EQ(::chmod(store_path().c_str(), 0555), 0);
  const auto r = switchyard("check");
  ::chmod(store_path().c_str(), 0755);  // let TearDown remove it whatever happened
  EXPECT_EQ(r.exit_code, code(exit_code::ok)) << r.out << r.err;
  EXPECT_NE(r.err.find("lock file not writable"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sy::testing
