// Tests of the store environment: opening, the layout check, copy-out reads, bounded scans,
// corrupt records as errors, and injected read failures.
#include "clearing/store/environment.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "clearing/store/detail/env_state.h"
#include "clearing/store/errc.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

using test::log_capture;
using test::options_for;
using test::raw_put;
using test::temp_dir;

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
  const std::string other_version("\x02\x00\x00\x00", 4);
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
                      seal(table::meta, "layout_version", 1, std::string("\x01\x00\x00\x00", 4))),
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
