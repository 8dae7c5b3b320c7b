// The simulated bank's settlement file: the default mapping's columns, RFC 4180 text, seeded
// discrepancies.
#include "routing/sim/settlement_file.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sy::routing::sim {
namespace {

bank_ledger ledger_of(int n) {
  bank_ledger ledger;
  for (int i = 1; i <= n; ++i) {
    ledger_record r;
    r.rrn = std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
    r.stan = std::string(6 - std::to_string(i).size(), '0') + std::to_string(i);
    r.transmission_time = "1121231845";
    r.kind = i % 3 == 0 ? event_kind::refund : event_kind::sale;
    r.amount = i % 3 == 0 ? -100 * i : 100 * i;
    r.currency = "EUR";
    r.authorization_code = "00000" + std::to_string(i % 10);
    r.business_date = "2026-11-21";
    ledger.add(r);
  }
  return ledger;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(SimSettlementFile, HeaderThenOneRowPerSettledRecord) {
  const auto text = settlement_csv(ledger_of(3), "2026-11-21", {}, 1);
  EXPECT_EQ(text,
            "rrn,stan,event_type,amount,currency,authorization_code,business_date\n"
            "000000000001,000001,sale,100,EUR,000001,2026-11-21\n"
            "000000000002,000002,sale,200,EUR,000002,2026-11-21\n"
            "000000000003,000003,refund,-300,EUR,000003,2026-11-21\n");
}

TEST(SimSettlementFile, EmptyDateIsJustTheHeader) {
  EXPECT_EQ(settlement_csv(ledger_of(3), "2026-11-20", {}, 1),
            std::string(settlement_header) + "\n");
}

TEST(SimSettlementFile, DiscrepanciesAreInjectedAsConfiguredAndReproducibly) {
  const bank_ledger ledger = ledger_of(20);
  discrepancy_settings d;
  d.missing = 2;
  d.extra = 3;
  d.wrong_amount = 1;
  d.duplicate = 2;
  const auto text = settlement_csv(ledger, "2026-11-21", d, 7);
  EXPECT_EQ(text, settlement_csv(ledger, "2026-11-21", d, 7));
  EXPECT_NE(text, settlement_csv(ledger, "2026-11-21", d, 8));
  const auto rows = lines(text);
  ASSERT_EQ(rows.size(), 1u + 20 - 2 + 2 + 3);
  int extra = 0;
  for (const auto& row : rows) extra += row.starts_with("X");
  EXPECT_EQ(extra, 3);
  const auto clean = lines(settlement_csv(ledger, "2026-11-21", {}, 7));
  int changed_amount = 0;
  for (const auto& row : rows) {
    const auto rrn = row.substr(0, 12);
    for (const auto& original : clean) {
      if (original.starts_with(rrn) && original != row) ++changed_amount;
    }
  }
  EXPECT_EQ(changed_amount, 1);
}

TEST(SimSettlementFile, CountsAboveTheRowsStopAtWhatThereIs) {
  discrepancy_settings d;
  d.missing = 50;
  EXPECT_EQ(lines(settlement_csv(ledger_of(4), "2026-11-21", d, 1)).size(), 1u);
}

}  // namespace
}  // namespace sy::routing::sim
