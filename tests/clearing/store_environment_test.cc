// Tests of the store environment: opening (writable and read-only), the layout check, copy-out
// reads, bounded scans in both directions, corrupt records as errors, injected read failures.
#include "clearing/store/environment.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "clearing/store/detail/env_state.h"
#include "clearing/store/errc.h"
#include "clearing/store/inspection.h"
#include "clearing/store/writer.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

// A layout version as the meta table stores it: u32 little-endian.
std::string version_bytes(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

using test::log_capture;
using test::options_for;
using test::raw_put;
using test::temp_dir;

namespace fs = std::filesystem;

// Commits one put per key (the key is also the payload) through a writer, then stops it.
void put_all(environment& env, table t, const std::vector<std::string>& keys) {
  writer w(env);
  for (const std::string& key : keys) {
    unit_of_work unit;
    unit.ops.push_back(operation::put(t, key, 2, key));
    std::promise<commit_outcome> done;
    ASSERT_TRUE(w.submit(std::move(unit), inline_executor(),
                         [&done](const commit_outcome& o) { done.set_value(o); }));
    const commit_outcome outcome = done.get_future().get();
    ASSERT_FALSE(outcome.error) << outcome.error.message();
  }
}

std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Opens table `name` without creating it, in a read transaction. Returns the LMDB code.
int raw_table_open(const std::string& path, const std::string& name) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, 16);
  if (rc == 0) rc = mdb_env_open(env, path.c_str(), MDB_RDONLY, 0640);
  MDB_txn* txn = nullptr;
  if (rc == 0) rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  MDB_dbi dbi = 0;
  if (rc == 0) rc = mdb_dbi_open(txn, name.c_str(), 0, &dbi);
  if (txn != nullptr) mdb_txn_abort(txn);
  mdb_env_close(env);
  return rc;
}

environment_options read_only(const temp_dir& dir) {
  environment_options o = options_for(dir);
  o.read_only = true;
  return o;
}

TEST(StoreEnvironment, OpensANewStoreAndReopensIt) {
  temp_dir dir;
  ASSERT_FALSE(dir.path().empty());
  {
    auto env = environment::open(options_for(dir));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    EXPECT_GE((*env)->map_size_bytes(), std::int64_t{16} << 20);
  }
  auto again = environment::open(options_for(dir));
  EXPECT_TRUE(again.has_value()) << again.error().message();
}

// The durability promise (specs/merchant-api.md) rests on LMDB syncing every commit; a crash
// test cannot see a missing fsync (the page cache outlives a killed process), so the flags are
// checked directly.
TEST(StoreEnvironment, SyncsEveryCommit) {
  temp_dir dir;
  auto env = environment::open(options_for(dir));
  ASSERT_TRUE(env.has_value()) << env.error().message();
  unsigned flags = 0;
  ASSERT_EQ(mdb_env_get_flags(detail::state_of(**env).env, &flags), 0);
  EXPECT_EQ(flags & (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC | MDB_WRITEMAP), 0u);
}

TEST(StoreEnvironment, CreatesAMissingDirectory) {
  temp_dir dir;
  environment_options o = options_for(dir);
  o.path += "/nested/store";
  auto env = environment::open(o);
  EXPECT_TRUE(env.has_value()) << env.error().message();
}

TEST(StoreEnvironment, RefusesAnotherLayoutVersion) {
  temp_dir dir;
  ASSERT_TRUE(environment::open(options_for(dir)).has_value());
  const std::string other_version = version_bytes(layout_version + 1);
  ASSERT_EQ(raw_put(dir.path(), "meta", "layout_version",
                    seal(table::meta, "layout_version", 1, other_version)),
            0);
  EXPECT_EQ(environment::open(options_for(dir)).error(), errc::version_mismatch);
}

TEST(StoreEnvironment, RefusesACorruptLayoutRecord) {
  temp_dir dir;
  ASSERT_TRUE(environment::open(options_for(dir)).has_value());
  ASSERT_EQ(raw_put(dir.path(), "meta", "layout_version", "garbage that is not an envelope"), 0);
  EXPECT_EQ(environment::open(options_for(dir)).error(), errc::corrupt_record);
}

TEST(StoreEnvironment, RefusesDataWithoutALayoutVersion) {
  temp_dir dir;
  ASSERT_EQ(raw_put(dir.path(), "payments", "pay_1", seal(table::payments, "pay_1", 1, "x")), 0);
  EXPECT_EQ(environment::open(options_for(dir)).error(), errc::layout_missing);
}

TEST(StoreEnvironment, ReportsAFileThatIsNotLmdbAsAnLmdbError) {
  temp_dir dir;
  {
    std::FILE* f = std::fopen((dir.path() + "/data.mdb").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'j');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto env = environment::open(options_for(dir));
  ASSERT_FALSE(env.has_value());
  EXPECT_TRUE(is_io_error(env.error())) << env.error().message();
}

TEST(StoreEnvironment, OptionsFromSettingsCarryTheMapBounds) {
  config::storage_settings settings;
  settings.path = "elsewhere";
  settings.map_size_bytes = std::int64_t{32} << 20;
  settings.map_size_max_bytes = std::int64_t{64} << 20;
  settings.map_growth = false;
  const environment_options o = environment_options::from(settings);
  EXPECT_EQ(o.path, "elsewhere");
  EXPECT_EQ(o.map_size_bytes, std::int64_t{32} << 20);
  EXPECT_EQ(o.map_size_max, std::int64_t{64} << 20);
  EXPECT_FALSE(o.map_growth);
  EXPECT_FALSE(o.read_only);
}

TEST(StoreReadOnly, RefusesAMissingDirectoryAndCreatesNothing) {
  temp_dir dir;
  environment_options o = read_only(dir);
  o.path += "/nested/store";
  EXPECT_EQ(environment::open(o).error(), make_lmdb_error(ENOENT));
  EXPECT_FALSE(fs::exists(dir.path() + "/nested"));
}

TEST(StoreReadOnly, RefusesAnEmptyDirectoryOrDataFileAndCreatesNothing) {
  temp_dir dir;
  EXPECT_EQ(environment::open(read_only(dir)).error(), make_lmdb_error(ENOENT));
  EXPECT_TRUE(fs::is_empty(dir.path()));
  std::ofstream(dir.path() + "/data.mdb").close();
  EXPECT_EQ(environment::open(read_only(dir)).error(), make_lmdb_error(ENOENT));
  EXPECT_EQ(fs::file_size(dir.path() + "/data.mdb"), 0u);
  EXPECT_FALSE(fs::exists(dir.path() + "/lock.mdb"));
}

TEST(StoreReadOnly, ReadsWhatWasCommittedAndWritesNothing) {
  temp_dir dir;
  {
    auto env = environment::open(options_for(dir));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    put_all(**env, table::payments, {"pay_1", "pay_2"});
  }
  const std::string before = file_bytes(dir.path() + "/data.mdb");
  {
    auto env = environment::open(read_only(dir));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    auto rec = (*env)->read(table::payments, "pay_2");
    ASSERT_TRUE(rec.has_value()) << rec.error().message();
    EXPECT_EQ(rec->payload, "pay_2");
    auto report = check(**env);
    ASSERT_TRUE(report.has_value()) << report.error().message();
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].records, 2u);
  }
  EXPECT_EQ(file_bytes(dir.path() + "/data.mdb"), before);
}

TEST(StoreReadOnly, StillChecksTheLayoutVersion) {
  temp_dir dir;
  ASSERT_TRUE(environment::open(options_for(dir)).has_value());
  const std::string other_version = version_bytes(layout_version + 1);
  ASSERT_EQ(raw_put(dir.path(), "meta", "layout_version",
                    seal(table::meta, "layout_version", 1, other_version)),
            0);
  EXPECT_EQ(environment::open(read_only(dir)).error(), errc::version_mismatch);
  ASSERT_EQ(raw_put(dir.path(), "meta", "layout_version", "not an envelope"), 0);
  EXPECT_EQ(environment::open(read_only(dir)).error(), errc::corrupt_record);
}

// A table added after the store was last opened for writing: a read-only open may not create
// it, and the store holds nothing in it.
TEST(StoreReadOnly, ReadsAMissingTableAsEmptyWithoutCreatingIt) {
  temp_dir dir;
  ASSERT_EQ(raw_put(dir.path(), "payments", "pay_1", seal(table::payments, "pay_1", 1, "x")), 0);
  ASSERT_EQ(raw_put(dir.path(), "meta", "layout_version",
                    seal(table::meta, "layout_version", 1, version_bytes(layout_version))),
            0);
  {
    auto env = environment::open(read_only(dir));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    EXPECT_TRUE((*env)->read(table::payments, "pay_1").has_value());
    EXPECT_EQ((*env)->read(table::journal, "2026-11-21/0001").error(), errc::not_found);
    auto visited = (*env)->scan(table::journal, {"", "", 10, true},
                                [](std::string_view, const record_view&) { return true; });
    ASSERT_TRUE(visited.has_value()) << visited.error().message();
    EXPECT_EQ(*visited, 0u);
    auto report = check(**env);
    ASSERT_TRUE(report.has_value()) << report.error().message();
    EXPECT_EQ(report->tables[static_cast<std::size_t>(table::journal)].records, 0u);
    EXPECT_EQ(report->tables[static_cast<std::size_t>(table::journal)].where, table::journal);
    auto stats = stat(**env);
    ASSERT_TRUE(stats.has_value()) << stats.error().message();
    EXPECT_EQ(stats->tables[static_cast<std::size_t>(table::payments)].entries, 1u);
    EXPECT_EQ(stats->tables[static_cast<std::size_t>(table::journal)].entries, 0u);
  }
  EXPECT_EQ(raw_table_open(dir.path(), "journal"), MDB_NOTFOUND);
}

// A switch stopped after LMDB initialised the file but before its first commit.
TEST(StoreReadOnly, OpensAStoreWithoutTablesAsEmpty) {
  temp_dir dir;
  MDB_env* raw = nullptr;
  ASSERT_EQ(mdb_env_create(&raw), 0);
  ASSERT_EQ(mdb_env_open(raw, dir.path().c_str(), 0, 0640), 0);
  mdb_env_close(raw);
  auto env = environment::open(read_only(dir));
  ASSERT_TRUE(env.has_value()) << env.error().message();
  EXPECT_EQ((*env)->read(table::meta, "layout_version").error(), errc::not_found);
}

// A writer on a read-only environment is a bug, stopped where it is made rather than failing
// every batch later.
TEST(StoreReadOnlyDeathTest, AWriterOnAReadOnlyEnvironmentStopsTheProcess) {
  temp_dir dir;
  ASSERT_TRUE(environment::open(options_for(dir)).has_value());
  auto env = environment::open(read_only(dir));
  ASSERT_TRUE(env.has_value()) << env.error().message();
  EXPECT_DEATH(writer w(**env), "read_only");
}

// Permissions do not bind root, so the refusals this depends on cannot happen in that case.
TEST(StoreReadOnly, OpensAStoreInADirectoryItMayNotWrite) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: chmod does not make files read-only";
  temp_dir dir;
  {
    auto env = environment::open(options_for(dir));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    put_all(**env, table::payments, {"pay_1"});
  }
  for (const char* name : {"/data.mdb", "/lock.mdb"}) {
    ASSERT_EQ(::chmod((dir.path() + name).c_str(), 0444), 0);
  }
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  log_capture log;
  environment_options o = read_only(dir);
  o.log = log.sink();
  auto env = environment::open(o);
  ::chmod(dir.path().c_str(), 0755);  // let temp_dir remove it whatever happened
  ASSERT_TRUE(env.has_value()) << env.error().message();
  EXPECT_TRUE((*env)->read(table::payments, "pay_1").has_value());
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_NE(log.lines()[0].find("lock file not writable"), std::string::npos) << log.lines()[0];
}

class StoreReads : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    for (const char* key : {"2026-11-20/0001", "2026-11-21/0001", "2026-11-21/0002",
                            "2026-11-21/0003", "2026-11-22/0001"}) {
      ASSERT_EQ(raw_put(dir_.path(), "journal", key, seal(table::journal, key, 2, key)), 0);
    }
    // The layout record makes the directory a store; raw_put created the journal table first.
    ASSERT_EQ(raw_put(dir_.path(), "meta", "layout_version",
                      seal(table::meta, "layout_version", 1, version_bytes(layout_version))),
              0);
    auto env = environment::open(options_for(dir_, &log_, &faults_));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    env_ = std::move(*env);
  }

  std::vector<std::string> scan_keys(const scan_range& range) {
    std::vector<std::string> keys;
    auto visited =
        env_->scan(table::journal, range, [&](std::string_view key, const record_view& r) {
          EXPECT_EQ(r.payload, key);
          keys.emplace_back(key);
          return true;
        });
    EXPECT_EQ(visited.has_value() ? *visited : 0, keys.size()) << visited.error().message();
    return keys;
  }

  temp_dir dir_;
  log_capture log_;
  fault_plan faults_;
  std::unique_ptr<environment> env_;
};

TEST_F(StoreReads, ReadCopiesOutKindAndPayload) {
  auto rec = env_->read(table::journal, "2026-11-21/0002");
  ASSERT_TRUE(rec.has_value()) << rec.error().message();
  EXPECT_EQ(rec->kind, 2);
  EXPECT_EQ(rec->payload, "2026-11-21/0002");
}

TEST_F(StoreReads, ReadOfAMissingKeyIsNotFound) {
  EXPECT_EQ(env_->read(table::journal, "2026-11-23/0001").error(), errc::not_found);
  EXPECT_EQ(env_->read(table::payments, "2026-11-21/0002").error(), errc::not_found);
}

TEST_F(StoreReads, RefusesEmptyAndOverlongKeys) {
  EXPECT_EQ(env_->read(table::journal, "").error(), errc::key_too_large);
  EXPECT_EQ(env_->read(table::journal, std::string(limits::store_key_size_max + 1, 'k')).error(),
            errc::key_too_large);
}

TEST_F(StoreReads, ScanVisitsAPrefixInKeyOrder) {
  EXPECT_EQ(scan_keys({"2026-11-21/", "", 100}),
            (std::vector<std::string>{"2026-11-21/0001", "2026-11-21/0002", "2026-11-21/0003"}));
}

TEST_F(StoreReads, ScanStopsAtTheLimitAndResumesAfterAKey) {
  EXPECT_EQ(scan_keys({"2026-11-21/", "", 2}),
            (std::vector<std::string>{"2026-11-21/0001", "2026-11-21/0002"}));
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-21/0002", 2}),
            (std::vector<std::string>{"2026-11-21/0003"}));
}

TEST_F(StoreReads, ScanWithoutPrefixVisitsTheWholeTable) {
  EXPECT_EQ(scan_keys({"", "", 100}).size(), 5u);
  EXPECT_TRUE(scan_keys({"2026-11-23", "", 100}).empty());
}

TEST_F(StoreReads, ReverseScanVisitsAPrefixInDescendingKeyOrder) {
  EXPECT_EQ(scan_keys({"2026-11-21/", "", 100, true}),
            (std::vector<std::string>{"2026-11-21/0003", "2026-11-21/0002", "2026-11-21/0001"}));
  EXPECT_EQ(scan_keys({"", "", 100, true}),
            (std::vector<std::string>{"2026-11-22/0001", "2026-11-21/0003", "2026-11-21/0002",
                                      "2026-11-21/0001", "2026-11-20/0001"}));
}

TEST_F(StoreReads, ReverseScanStopsAtTheLimitAndResumesBeforeAKey) {
  EXPECT_EQ(scan_keys({"2026-11-21/", "", 2, true}),
            (std::vector<std::string>{"2026-11-21/0003", "2026-11-21/0002"}));
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-21/0002", 2, true}),
            (std::vector<std::string>{"2026-11-21/0001"}));
  // `after` need not be a stored key.
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-21/00025", 5, true}),
            (std::vector<std::string>{"2026-11-21/0002", "2026-11-21/0001"}));
  EXPECT_TRUE(scan_keys({"2026-11-21/", "2026-11-21/0001", 5, true}).empty());
  EXPECT_TRUE(scan_keys({"2026-11-21/", "", 0, true}).empty());
}

TEST_F(StoreReads, PagedReverseScanVisitsEveryKeyOnceNewestFirst) {
  std::vector<std::string> forward = scan_keys({"", "", 100});
  std::vector<std::string> walked;
  for (;;) {
    const std::string after = walked.empty() ? std::string() : walked.back();
    const std::vector<std::string> page = scan_keys({"", after, 2, true});
    if (page.empty()) break;
    walked.insert(walked.end(), page.begin(), page.end());
  }
  std::reverse(forward.begin(), forward.end());
  EXPECT_EQ(walked, forward);
}

TEST_F(StoreReads, AnAfterOutsideThePrefixStartsOrEndsTheScan) {
  const std::vector<std::string> day{"2026-11-21/0001", "2026-11-21/0002", "2026-11-21/0003"};
  const std::vector<std::string> reversed(day.rbegin(), day.rend());
  // Below the prefix: forward starts at its first key, reverse has nothing before it.
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-20/9999", 100}), day);
  EXPECT_TRUE(scan_keys({"2026-11-21/", "2026-11-20/9999", 100, true}).empty());
  // Above the prefix: forward has nothing after it, reverse starts at its last key.
  EXPECT_TRUE(scan_keys({"2026-11-21/", "2026-11-22/0000", 100}).empty());
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-22/0000", 100, true}), reversed);
  EXPECT_EQ(scan_keys({"2026-11-21/", "2026-11-21/~", 100, true}), reversed);
}

TEST_F(StoreReads, ReverseScanOfAnAbsentPrefixVisitsNothing) {
  EXPECT_TRUE(scan_keys({"2026-11-23", "", 100, true}).empty());        // above every key
  EXPECT_TRUE(scan_keys({"2026-11-19", "", 100, true}).empty());        // below every key
  EXPECT_TRUE(scan_keys({"2026-11-21/00025", "", 100, true}).empty());  // between keys
}

TEST_F(StoreReads, ReverseScanStopsWhenTheVisitorSaysSo) {
  std::vector<std::string> seen;
  auto visited = env_->scan(table::journal, {"", "", 100, true},
                            [&](std::string_view key, const record_view&) {
                              seen.emplace_back(key);
                              return seen.size() < 2;
                            });
  ASSERT_TRUE(visited.has_value());
  EXPECT_EQ(*visited, 2u);
  EXPECT_EQ(seen, (std::vector<std::string>{"2026-11-22/0001", "2026-11-21/0003"}));
}

// Keys with 0xff bytes, where "the first key above the prefix" needs care: a prefix ending in
// 0xff has no successor of its own length, and an all-0xff prefix has none at all.
class StoreBinaryScans : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = environment::open(options_for(dir_));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    env_ = std::move(*env);
    put_all(*env_, table::events,
            {"a", "a\x01", "a\xff", std::string("a\xff\x00", 3), "a\xff\xff", "b", "\xff",
             "\xff\xff", "\xff\xff\x01"});
  }

  std::vector<std::string> scan_keys(std::string_view prefix, std::string_view after, bool reverse,
                                     std::size_t limit = 100) {
    std::vector<std::string> keys;
    auto visited = env_->scan(table::events, {prefix, after, limit, reverse},
                              [&](std::string_view key, const record_view&) {
                                keys.emplace_back(key);
                                return true;
                              });
    EXPECT_TRUE(visited.has_value()) << visited.error().message();
    return keys;
  }

  temp_dir dir_;
  std::unique_ptr<environment> env_;
};

TEST_F(StoreBinaryScans, APrefixEndingInFFStopsBeforeTheNextPrefix) {
  const std::vector<std::string> keys{"a\xff", std::string("a\xff\x00", 3), "a\xff\xff"};
  EXPECT_EQ(scan_keys("a\xff", "", false), keys);
  EXPECT_EQ(scan_keys("a\xff", "", true), std::vector<std::string>(keys.rbegin(), keys.rend()));
}

TEST_F(StoreBinaryScans, AnAllFFPrefixRunsToTheEndOfTheTable) {
  EXPECT_EQ(scan_keys("\xff", "", true),
            (std::vector<std::string>{"\xff\xff\x01", "\xff\xff", "\xff"}));
  EXPECT_EQ(scan_keys("\xff\xff", "", true),
            (std::vector<std::string>{"\xff\xff\x01", "\xff\xff"}));
  EXPECT_EQ(scan_keys("\xff", "\xff\xff\x01", true),
            (std::vector<std::string>{"\xff\xff", "\xff"}));
  EXPECT_EQ(scan_keys("\xff", "\xff", false),
            (std::vector<std::string>{"\xff\xff", "\xff\xff\x01"}));
}

TEST_F(StoreBinaryScans, ReverseWithAfterInsideAPrefix) {
  EXPECT_EQ(scan_keys("a", std::string("a\xff\x00", 3), true),
            (std::vector<std::string>{"a\xff", "a\x01", "a"}));
  EXPECT_EQ(scan_keys("a", "", true, 2),
            (std::vector<std::string>{"a\xff\xff", std::string("a\xff\x00", 3)}));
}

TEST_F(StoreBinaryScans, AnEmptyPrefixWalksTheWholeTableBothWays) {
  const std::vector<std::string> forward = scan_keys("", "", false);
  ASSERT_EQ(forward.size(), 9u);
  EXPECT_TRUE(std::is_sorted(forward.begin(), forward.end()));
  EXPECT_EQ(scan_keys("", "", true), std::vector<std::string>(forward.rbegin(), forward.rend()));
  EXPECT_EQ(scan_keys("", "b", true).front(), "a\xff\xff");
}

TEST_F(StoreReads, ScanStopsWhenTheVisitorSaysSo) {
  int calls = 0;
  auto visited = env_->scan(table::journal, {"", "", 100},
                            [&](std::string_view, const record_view&) { return ++calls < 2; });
  ASSERT_TRUE(visited.has_value());
  EXPECT_EQ(*visited, 2u);
}

TEST_F(StoreReads, ACorruptRecordIsAnErrorLoggedOnceAndCounted) {
  env_.reset();
  ASSERT_EQ(raw_put(dir_.path(), "journal", "2026-11-21/0002",
                    seal(table::journal, "2026-11-21/0001", 2, "moved")),
            0);
  auto env = environment::open(options_for(dir_, &log_, &faults_));
  ASSERT_TRUE(env.has_value());
  env_ = std::move(*env);
  EXPECT_EQ(env_->read(table::journal, "2026-11-21/0002").error(), errc::corrupt_record);
  EXPECT_EQ(env_->read(table::journal, "2026-11-21/0002").error(), errc::corrupt_record);
  std::vector<std::string> seen;
  auto visited = env_->scan(table::journal, {"2026-11-21/", "", 100},
                            [&](std::string_view key, const record_view&) {
                              seen.emplace_back(key);
                              return true;
                            });
  EXPECT_EQ(visited.error(), errc::corrupt_record);
  EXPECT_EQ(seen, std::vector<std::string>{"2026-11-21/0001"});
  EXPECT_EQ(env_->counters().corrupt_reads, 3u);
  ASSERT_EQ(log_.lines().size(), 1u);
  EXPECT_NE(log_.lines()[0].find("journal"), std::string::npos);
  EXPECT_NE(log_.lines()[0].find("323032362d31312d32312f30303032"), std::string::npos);  // hex key
}

TEST_F(StoreReads, InjectedReadFailuresHitExactlyTheNthRead) {
  for (std::uint64_t n = 1; n <= 4; ++n) {
    faults_.fail_read(n);
    for (std::uint64_t i = 1; i <= 4; ++i) {
      auto rec = i % 2 == 0 ? env_->read(table::journal, "2026-11-20/0001").error()
                            : env_->scan(table::journal, {"", "", 1},
                                         [](std::string_view, const record_view&) { return true; })
                                  .error();
      if (i == n) {
        EXPECT_EQ(rec, errc::injected_failure) << "n " << n << " read " << i;
      } else {
        EXPECT_FALSE(rec) << "n " << n << " read " << i << ": " << rec.message();
      }
    }
  }
}

TEST_F(StoreReads, ConcurrentReadersShareThePool) {
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!env_->read(table::journal, "2026-11-21/0003")) failures.fetch_add(1);
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace sy::clearing::store
