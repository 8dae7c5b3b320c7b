// `switchyard store stat|check` against a real store on disk: a clean store passes, a flipped
// byte in a record is found and named, and a missing store is an error, not a new empty store.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>

#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/fatal.h"
#include "tests/integration/process.h"

namespace sy::testing {
namespace {

namespace fs = std::filesystem;
namespace store = clearing::store;

constexpr std::string_view marker = "switchyard-store-cli-test-payload";

int code(exit_code c) {
  return static_cast<int>(c);
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

  // Writes a few payments through the real writer (fsync'd commits) and closes the store.
  void write_payments() {
    store::environment_options options;
    options.path = store_path().string();
    auto env = store::environment::open(options);
    ASSERT_TRUE(env) << env.error().message();
    store::writer writer(**env);
    for (int i = 0; i < 3; ++i) {
      store::unit_of_work unit;
      unit.ops.push_back(store::operation::put(store::table::payments, "pay_" + std::to_string(i),
                                               1, std::string(marker) + std::to_string(i)));
      std::promise<store::commit_outcome> done;
      ASSERT_TRUE(writer.submit(std::move(unit), store::inline_executor(),
                                [&done](const store::commit_outcome& o) { done.set_value(o); }));
      const auto outcome = done.get_future().get();
      ASSERT_FALSE(outcome.error) << outcome.error.message();
    }
  }

  // Flips one byte of the first payment's payload, as a bad disk would. Copy-on-write leaves
  // stale copies of a page in the file, so every copy is changed to be sure the live one is.
  void corrupt_a_record() {
    const fs::path file = store_path() / "data.mdb";
    std::fstream data(file, std::ios::in | std::ios::out | std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(data),
                            std::istreambuf_iterator<char>()};
    const std::string first_payload = std::string(marker) + "0";
    std::size_t copies = 0;
    for (auto at = bytes.find(first_payload); at != std::string::npos;
         at = bytes.find(first_payload, at + 1), ++copies) {
      data.seekp(static_cast<std::streamoff>(at));
      data.put('S');
    }
    ASSERT_GT(copies, 0u);
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

}  // namespace
}  // namespace sy::testing
