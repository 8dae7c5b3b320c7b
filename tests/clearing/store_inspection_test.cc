// Tests of `store check` and `store stat`: counts per table, corrupt records listed with table
// and key, map usage, and injected failures.
#include "clearing/store/inspection.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "clearing/store/errc.h"
#include "clearing/store/writer.h"
#include "store_test_support.h"

namespace sy::clearing::store {
namespace {

using test::options_for;
using test::raw_put;
using test::temp_dir;

class StoreInspection : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    reopen();
    writer w(*env_);
    std::promise<void> last;
    for (int i = 0; i < 10; ++i) {
      unit_of_work u;
      u.ops.push_back(operation::put(table::payments, "pay_" + std::to_string(i), 1, "p"));
      u.ops.push_back(operation::put(table::journal, "2026-11-22/" + std::to_string(i), 2, "j"));
      ASSERT_TRUE(w.submit(std::move(u), inline_executor(), [&, i](const commit_outcome& o) {
        EXPECT_FALSE(o.error);
        if (i == 9) last.set_value();
      }));
    }
    last.get_future().wait();
  }

  void reopen() {
    env_.reset();
    auto env = environment::open(options_for(dir_, nullptr, &faults_));
    ASSERT_TRUE(env.has_value()) << env.error().message();
    env_ = std::move(*env);
  }

  temp_dir dir_;
  fault_plan faults_;
  std::unique_ptr<environment> env_;
};

TEST_F(StoreInspection, CheckPassesOnAHealthyStoreAndCountsRecords) {
  auto report = check(*env_);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::meta)].records, 1u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].records, 10u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::journal)].records, 10u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::saf)].records, 0u);
  const std::string text = to_string(*report);
  EXPECT_NE(text.find("payments      records 10  corrupt 0"), std::string::npos) << text;
  EXPECT_NE(text.find("check: ok"), std::string::npos) << text;
}

TEST_F(StoreInspection, CheckListsEachCorruptRecordWithTableAndKey) {
  env_.reset();
  ASSERT_EQ(raw_put(dir_.path(), "payments", "pay_3", "torn"), 0);
  ASSERT_EQ(raw_put(dir_.path(), "events", "ev", seal(table::payments, "ev", 1, "misplaced")), 0);
  reopen();
  auto report = check(*env_);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->problem_count, 2u);
  ASSERT_EQ(report->problems.size(), 2u);
  EXPECT_EQ(report->problems[0].where, table::payments);
  EXPECT_EQ(report->problems[0].key_hex, "7061795f33");  // "pay_3"
  EXPECT_EQ(report->problems[0].error, errc::corrupt_record);
  EXPECT_EQ(report->problems[1].where, table::events);
  EXPECT_EQ(report->problems[1].key_hex, "6576");  // "ev"
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].records, 10u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].corrupt, 1u);
  EXPECT_NE(to_string(*report).find("check: 2 problems"), std::string::npos);
}

TEST_F(StoreInspection, StatReportsEntriesPagesAndMapUsage) {
  auto report = stat(*env_);
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].entries, 10u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::payments)].leaf_pages, 1u);
  EXPECT_EQ(report->tables[static_cast<std::size_t>(table::batches)].entries, 0u);
  EXPECT_GT(report->page_size, 0u);
  EXPECT_GT(report->map_used_bytes, 0);
  EXPECT_LE(report->map_used_bytes, report->map_size_bytes);
  EXPECT_EQ(report->map_size_bytes, env_->map_size_bytes());
  EXPECT_EQ(report->readers_max, limits::store_reader_count_max);
  const std::string text = to_string(*report);
  EXPECT_NE(text.find("journal       entries 10"), std::string::npos) << text;
  EXPECT_NE(text.find("map: "), std::string::npos) << text;
}

TEST_F(StoreInspection, InjectedReadFailuresReachCheckAndStat) {
  faults_.fail_read(1);
  EXPECT_EQ(check(*env_).error(), errc::injected_failure);
  EXPECT_TRUE(check(*env_).has_value());
  faults_.fail_read(1);
  EXPECT_EQ(stat(*env_).error(), errc::injected_failure);
  EXPECT_TRUE(stat(*env_).has_value());
}

}  // namespace
}  // namespace sy::clearing::store
