// Reconciliation: every class of the spec found exactly, the report's rows and trailer, the
// stored discrepancies kept across runs, and hostile bank files refused without a report.
#include "clearing/reconcile.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "clearing/book.h"
#include "tests/clearing/clearing_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using layout::discrepancy_class;
using test::close1;
using test::day1;
using test::morning;

class Reconcile : public test::clearing_fixture {
 protected:
  void SetUp() override {
    test::clearing_fixture::SetUp();
    sale_ = add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
    refund_ = add("m2", "bank_a", event_type::refund, 200, morning + 1s, "000000000002");
    short_ = add("m1", "bank_a", event_type::sale, 300, morning + 2s, "000000000003");
    add("m2", "wallet_x", event_type::sale, 500, morning + 3s, "000000000004");  // other channel
    const auto cleared = clear(day1, close1 + 301s);
    ASSERT_TRUE(cleared) << cleared.error().message;
  }

  result<reconcile_summary, clearing_error> run(const std::string& bank_text,
                                                std::chrono::sys_seconds now = close1 + 1h) {
    const auto path = write_file("bank.csv", bank_text);
    return reconcile(context(), {"bank_a", day1, path}, now);
  }

  static constexpr const char* header =
      "rrn,stan,event_type,amount,currency,authorization_code,business_date\n";

  layout::journal_entry sale_, refund_, short_;
};

TEST_F(Reconcile, MatchingFileIsClean) {
  const auto s = run(std::string(header) +
                     "000000000001,000123,sale,1000,EUR,A1B2C3,2026-11-21\n"
                     "000000000002,000123,refund,-200,EUR,A1B2C3,2026-11-21\n"
                     "000000000003,000123,sale,300,EUR,A1B2C3,2026-11-21\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->clean());
  EXPECT_EQ(s->matched, 3u);
  EXPECT_EQ(s->switch_records, 3u);
  EXPECT_EQ(read("recon_bank_a_20261121.csv"), std::string(recon_header) + "\nT,,,,0,0,,0,\n");
}

TEST_F(Reconcile, FindsEveryClassExactly) {
  const auto s = run(std::string(header) +
                     "000000000001,000123,sale,1001,EUR,A1B2C3,2026-11-21\n"    // amount
                     "000000000002,000123,refund,-200,EUR,A1B2C3,2026-11-21\n"  // matched
                     "000000000002,000123,refund,-200,EUR,A1B2C3,2026-11-21\n"  // duplicate
                     "X00000000099,000999,sale,700,EUR,ZZ9999,2026-11-21\n");   // unknown
  // 000000000003 is missing at the bank.
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->clean());
  EXPECT_EQ(s->matched, 1u);
  EXPECT_EQ(s->discrepancies, (std::array<std::uint64_t, 4>{1, 1, 1, 1}));
  EXPECT_EQ(read("recon_bank_a_20261121.csv"),
            std::string(recon_header) + "\n" +
                "amount_mismatch,000000000001,000123,sale,1000,1001,EUR," + sale_.event.payment_id +
                ",line 2: the switch cleared 1000 EUR; the bank lists 1001 EUR\n" +
                "duplicate_at_bank,000000000002,000123,refund,-200,-200,EUR," +
                refund_.event.payment_id + ",line 4: listed again (first on line 3)\n" +
                "missing_at_switch,X00000000099,000999,sale,,700,EUR,,line 5: the switch cleared "
                "no such record\n" +
                "missing_at_bank,000000000003,000123,sale,300,,EUR," + short_.event.payment_id +
                ",\"in clearing_bank_a_20261121.csv, not in the bank's file\"\n" +
                "T,,,,1100,1501,,4,\n");
  const auto stored = book(*env_).discrepancies("bank_a", day1);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 4u);
  EXPECT_EQ((*stored)[0].number, 1u);
  EXPECT_EQ((*stored)[0].record.kind, discrepancy_class::amount_mismatch);
  EXPECT_TRUE((*stored)[0].record.open());
  EXPECT_EQ((*stored)[3].record.kind, discrepancy_class::missing_at_bank);
}

TEST_F(Reconcile, AnotherBusinessDateIsNotTheSwitchsRecord) {
  const auto s = run(std::string(header) +
                     "000000000001,000123,sale,1000,EUR,A1B2C3,2026-11-22\n"
                     "000000000002,000123,refund,-200,EUR,A1B2C3,2026-11-21\n"
                     "000000000003,000123,sale,300,EUR,A1B2C3,2026-11-21\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->discrepancies[static_cast<std::size_t>(discrepancy_class::missing_at_switch)], 1u);
  EXPECT_EQ(s->discrepancies[static_cast<std::size_t>(discrepancy_class::missing_at_bank)], 1u);
}

TEST_F(Reconcile, AnAdjustmentMatchesTheBankRowOfItsOwnDate) {
  // day1 was sealed in SetUp as final; seal day2 early, then a late event of day2 reaches it.
  const auto day2_close = close1 + 24h;
  add("m1", "bank_a", event_type::sale, 50, morning + 24h, "000000000010");
  ASSERT_TRUE(clear(test::day2, day2_close + 1s));
  add("m1", "bank_a", event_type::sale, 70, morning + 25h, "000000000011");  // late, of day2
  const test::clearing_fixture::day day3{std::chrono::sys_days{test::day2} + std::chrono::days{1}};
  ASSERT_TRUE(clear(day3, day2_close + 24h + 301s));  // takes it as an adjustment
  const auto path = write_file(
      "bank3.csv", std::string(header) + "000000000011,000123,sale,70,EUR,A1B2C3,2026-11-22\n");
  const auto s = reconcile(context(), {"bank_a", day3, path}, day2_close + 25h);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->clean()) << read("recon_bank_a_20261123.csv");
  EXPECT_EQ(s->matched, 1u);
}

// The switch never reuses an RRN for one event type; the index does not rely on it.
TEST_F(Reconcile, TwoSwitchRecordsWithOneKeyAreTakenInClearingOrder) {
  add("m1", "bank_a", event_type::sale, 10, morning + 24h, "000000000007");
  add("m1", "bank_a", event_type::sale, 20, morning + 24h + 1s, "000000000007");
  ASSERT_TRUE(clear(test::day2, close1 + 24h + 301s));
  const auto path = write_file("bank2.csv", std::string(header) +
                                                "000000000007,000123,sale,20,EUR,A1B2C3,\n"
                                                "000000000007,000123,sale,10,EUR,A1B2C3,\n");
  const auto s = reconcile(context(), {"bank_a", test::day2, path}, close1 + 25h);
  ASSERT_TRUE(s) << s.error().message;
  // The first row takes the first record (10): a mismatch; the second takes the other (20).
  EXPECT_EQ(s->discrepancies[static_cast<std::size_t>(discrepancy_class::amount_mismatch)], 2u);
  EXPECT_EQ(s->matched, 0u);
}

// More rows than reconciliation reads ahead, in another order than the clearing file's: each
// row is still classified in file order, a duplicate many rows after its first listing included.
TEST_F(Reconcile, AFileInAnotherOrderIsClassifiedRowByRow) {
  constexpr int count = 60;
  const auto rrn = [](int i) {
    const std::string digits = std::to_string(100 + i);
    return std::string(12 - digits.size(), '0') + digits;
  };
  for (int i = 0; i < count; ++i) {
    add("m1", "bank_a", event_type::sale, 10 + i, morning + 24h + std::chrono::seconds{i}, rrn(i));
  }
  ASSERT_TRUE(clear(test::day2, close1 + 24h + 301s));
  std::string bank = header;
  for (int k = 0; k < count; ++k) {
    const int i = (k * 37) % count;  // every record once, scattered
    const int amount = i == 41 ? 999 : 10 + i;
    bank += rrn(i) + ",000123,sale," + std::to_string(amount) + ",EUR,A1B2C3,2026-11-22\n";
    if (k == 3) bank += "X00000000099,000999,sale,700,EUR,ZZ9999,2026-11-22\n";
  }
  bank += rrn(0) + ",000123,sale,10,EUR,A1B2C3,2026-11-22\n";  // rrn(0) came first, on line 2
  const auto path = write_file("bank2.csv", bank);
  const auto s = reconcile(context(), {"bank_a", test::day2, path}, close1 + 25h);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->matched, static_cast<std::uint64_t>(count - 1));
  EXPECT_EQ(s->discrepancies, (std::array<std::uint64_t, 4>{0, 1, 1, 1}));
  const std::string report = read("recon_bank_a_20261122.csv");
  EXPECT_NE(report.find("missing_at_switch,X00000000099,000999,sale,,700,EUR,,line 6: "),
            std::string::npos)
      << report;
  EXPECT_NE(report.find(",line " + std::to_string(count + 3) + ": listed again (first on line 2)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("amount_mismatch," + rrn(41) + ",000123,sale,51,999,EUR,"),
            std::string::npos)
      << report;
  EXPECT_LT(report.find("missing_at_switch"), report.find("amount_mismatch"));
}

TEST_F(Reconcile, RunningAgainKeepsNumbersAndResolutionsAndClosesWhatIsGone) {
  const std::string bad_amount = "000000000001,000123,sale,1001,EUR,A1B2C3,2026-11-21\n";
  const std::string refund = "000000000002,000123,refund,-200,EUR,A1B2C3,2026-11-21\n";
  ASSERT_TRUE(run(std::string(header) + bad_amount + refund));  // 1: amount, 2: missing at bank
  auto stored = *book(*env_).discrepancies("bank_a", day1);
  ASSERT_EQ(stored.size(), 2u);
  auto resolved = stored[0].record;
  resolved.resolved_by = "ops";
  resolved.note = "bank confirmed 1001";
  ASSERT_FALSE(commit(record_discrepancy("bank_a", day1, 1, resolved, stored[0].record)));

  // The bank's corrected file lists the missing sale; the amount is still off.
  const auto s = run(std::string(header) + bad_amount + refund +
                     "000000000003,000123,sale,300,EUR,A1B2C3,2026-11-21\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stored_new, 0u);
  EXPECT_EQ(s->closed, 1u);
  stored = *book(*env_).discrepancies("bank_a", day1);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].record.resolved_by, "ops");  // the operator's resolution stands
  EXPECT_EQ(stored[1].record.kind, discrepancy_class::missing_at_bank);
  EXPECT_EQ(stored[1].record.resolved_by, "switchyard reconcile");
}

TEST_F(Reconcile, BrokenFileNamesLineAndColumnAndPublishesNoReport) {
  const auto s = run(std::string(header) + "000000000001,000123,sale,12x,EUR,A1B2C3,2026-11-21\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, clearing_errc::bad_input);
  EXPECT_NE(s.error().message.find("line 2, column 4 (amount)"), std::string::npos)
      << s.error().message;
  EXPECT_FALSE(std::filesystem::exists(out_dir_ + "/recon_bank_a_20261121.csv"));
  EXPECT_TRUE(book(*env_).discrepancies("bank_a", day1)->empty());
}

TEST_F(Reconcile, CustomColumnMappingIsRead) {
  cfg_.channels[0].settlement_columns = {"-", "event_type", "rrn", "currency", "amount"};
  const auto s =
      run("batch,event_type,rrn,currency,amount\n"
          "B1,sale,000000000001,EUR,1000\n"
          "B1,refund,000000000002,EUR,-200\n"
          "B1,sale,000000000003,EUR,300\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->clean());
}

TEST_F(Reconcile, RefusesADateNotCleared) {
  const auto path = write_file("bank.csv", header);
  const auto s = reconcile(context(), {"bank_a", test::day2, path}, close1 + 1h);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, clearing_errc::not_cleared);
  const auto unknown = reconcile(context(), {"nope", day1, path}, close1 + 1h);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, clearing_errc::bad_input);
}

}  // namespace
}  // namespace sy::clearing
