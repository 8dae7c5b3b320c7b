// The simulated bank's approval record: duplicates, reversals by DE 90 or RRN, settled rows.
#include "routing/sim/bank_ledger.h"

#include <gtest/gtest.h>

namespace sy::routing::sim {
namespace {

ledger_record record(std::string rrn, std::string stan, event_kind kind = event_kind::sale,
                     std::string date = "2026-11-21") {
  ledger_record r;
  r.rrn = std::move(rrn);
  r.stan = std::move(stan);
  r.transmission_time = "1121231845";
  r.kind = kind;
  r.amount = 100;
  r.currency = "EUR";
  r.authorization_code = "000001";
  r.business_date = std::move(date);
  return r;
}

TEST(SimBankLedger, AddsOnceByRrn) {
  bank_ledger ledger;
  EXPECT_EQ(ledger.add(record("A1", "000001")), bank_ledger::add_result::added);
  EXPECT_EQ(ledger.add(record("A1", "000002")), bank_ledger::add_result::duplicate);
  EXPECT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.find("A1")->stan, "000001");
  EXPECT_EQ(ledger.find("nope"), nullptr);
}

TEST(SimBankLedger, RefusesRecordsBeyondItsCap) {
  bank_ledger ledger(2);
  EXPECT_EQ(ledger.add(record("A1", "000001")), bank_ledger::add_result::added);
  EXPECT_EQ(ledger.add(record("A2", "000002")), bank_ledger::add_result::added);
  EXPECT_EQ(ledger.add(record("A3", "000003")), bank_ledger::add_result::full);
  EXPECT_EQ(ledger.add(record("A1", "000001")), bank_ledger::add_result::duplicate);
  EXPECT_EQ(ledger.size(), 2u);
}

TEST(SimBankLedger, ReversalByOriginalDataElements) {
  bank_ledger ledger;
  ledger.add(record("A1", "000001"));
  ledger.add(record("A2", "000002"));
  EXPECT_TRUE(ledger.reverse("02000000021121231845" + std::string(22, '0'), "other"));
  EXPECT_FALSE(ledger.find("A1")->reversed);
  EXPECT_TRUE(ledger.find("A2")->reversed);
}

TEST(SimBankLedger, ReversalFallsBackToTheRrnAndUnknownIsReported) {
  bank_ledger ledger;
  ledger.add(record("A1", "000001"));
  EXPECT_TRUE(ledger.reverse("", "A1"));
  EXPECT_TRUE(ledger.reverse("", "A1")) << "a repeated 0420 is harmless";
  EXPECT_FALSE(ledger.reverse("garbage", "B9"));
  EXPECT_FALSE(ledger.reverse("", ""));
}

TEST(SimBankLedger, SettledRowsSkipAuthorizationsReversalsAndOtherDates) {
  bank_ledger ledger;
  ledger.add(record("A1", "000001"));
  ledger.add(record("A2", "000002", event_kind::authorization));
  ledger.add(record("A3", "000003", event_kind::capture));
  ledger.add(record("A4", "000004", event_kind::sale, "2026-11-22"));
  ledger.add(record("A5", "000005", event_kind::refund));
  ledger.reverse("", "A3");
  const auto rows = ledger.settled("2026-11-21");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]->rrn, "A1");
  EXPECT_EQ(rows[1]->rrn, "A5");
  EXPECT_EQ(ledger.business_dates(), (std::vector<std::string>{"2026-11-21", "2026-11-22"}));
}

TEST(SimBankLedger, TraceKeyNeedsExactDigits) {
  std::uint64_t key = 0;
  EXPECT_TRUE(trace_key("000123", "1121231845", key));
  EXPECT_EQ(key, 1231121231845u);
  EXPECT_FALSE(trace_key("00012", "1121231845", key));
  EXPECT_FALSE(trace_key("00012a", "1121231845", key));
  EXPECT_FALSE(trace_key("000123", "11212318", key));
}

}  // namespace
}  // namespace sy::routing::sim
