// Test support for the store: a unique temporary store directory removed afterwards, options for
// it, a log sink that records lines, a store-and-writer fixture, a blocking commit, and raw LMDB
// access to damage records on purpose.
#pragma once

#include <lmdb.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/store/environment.h"
#include "clearing/store/writer.h"

namespace sy::clearing::store::test {

// The writer's blocking commit, also reachable as test::commit_and_wait.
using store::commit_and_wait;

// A fresh directory under the system temp dir (the same filesystem as /work on this machine).
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sy-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Collects warn lines; thread-safe because the writer thread logs.
class log_capture {
 public:
  log_sink sink() {
    return [this](std::string_view line) {
      const std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    const std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

inline environment_options options_for(const temp_dir& dir, log_capture* log = nullptr,
                                       fault_plan* faults = nullptr) {
  environment_options o;
  o.path = dir.path();
  o.map_size_bytes = std::int64_t{16} << 20;
  o.faults = faults;
  if (log != nullptr) o.log = log->sink();
  return o;
}


// A store in a fresh directory and its writer, opened before each test; the writer closes first.
class store_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto env = environment::open(options_for(dir_, nullptr, &faults_));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    env_ = std::move(*env);
    writer_ = std::make_unique<writer>(*env_);
  }
  void TearDown() override {
    writer_.reset();
    env_.reset();
  }

  error_code commit(unit_of_work unit) { return commit_and_wait(*writer_, std::move(unit)).error; }

  temp_dir dir_;
  fault_plan faults_;
  std::unique_ptr<environment> env_;
  std::unique_ptr<writer> writer_;
};

// Writes `value` as-is (no envelope) under `key` in table `name`, bypassing the store: how a
// torn or misplaced value looks to it. Returns the LMDB code.
inline int raw_put(const std::string& path, std::string_view name, std::string_view key,
                   std::string_view value) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == 0) rc = mdb_env_set_maxdbs(env, 16);
  if (rc == 0) rc = mdb_env_set_maxreaders(env, 512);
  if (rc == 0) rc = mdb_env_open(env, path.c_str(), MDB_NOTLS, 0640);
  MDB_txn* txn = nullptr;
  if (rc == 0) rc = mdb_txn_begin(env, nullptr, 0, &txn);
  MDB_dbi dbi = 0;
  const std::string table_name(name);
  if (rc == 0) rc = mdb_dbi_open(txn, table_name.c_str(), MDB_CREATE, &dbi);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  if (rc == 0) rc = mdb_put(txn, dbi, &k, &v, 0);
  if (rc == 0) {
    rc = mdb_txn_commit(txn);
  } else if (txn != nullptr) {
    mdb_txn_abort(txn);
  }
  if (env != nullptr) mdb_env_close(env);
  return rc;
}

}  // namespace sy::clearing::store::test
