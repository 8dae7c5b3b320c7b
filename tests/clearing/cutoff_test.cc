// Clearing a business date: the files' exact bytes, fees, the seal and its byte-identical
// reproduction, late events as the next date's adjustments, and the refusals.
#include "clearing/cutoff.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "clearing/batch_files.h"
#include "clearing/book.h"
#include "clearing/ids.h"
#include "clearing/store/errc.h"
#include "hsm/digest.h"
#include "protocol/currency.h"
#include "tests/clearing/store_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using std::chrono::year_month_day;
using store::table;
using store::test::store_fixture;

constexpr year_month_day day1{std::chrono::year{2026}, std::chrono::November, std::chrono::day{21}};
constexpr year_month_day day2{std::chrono::year{2026}, std::chrono::November, std::chrono::day{22}};

// 2026-11-21 10:00:00 UTC, and the close of day1 at the 23:00 UTC cutoff.
const event_time morning = event_time{std::chrono::sys_days{day1} + 10h};
const std::chrono::sys_seconds close1 = std::chrono::sys_days{day1} + 23h;

bool counting_random(std::span<std::uint8_t> out) noexcept {
  static std::uint8_t next = 0;
  for (auto& b : out) b = next++;
  return true;
}

class ClearingRun : public store_fixture {
 protected:
  void SetUp() override {
    store_fixture::SetUp();
    out_dir_ = dir_.path() + "/out";
    cfg_.clearing.output_dir = out_dir_;
    cfg_.clearing.grace_s = 300;
    config::merchant m1;
    m1.id = "m1";
    m1.fees.base = {150, 10};                                   // 1.5 % + 0.10
    m1.fees.overrides.push_back({"mastercard", "", {200, 0}});  // 2 % for Mastercard
    m1.fees.refund_policy = config::refund_fee_policy::refund;
    config::merchant m2;
    m2.id = "m2";
    m2.fees.base = {100, 5};
    cfg_.merchants = {m1, m2};
    config::channel bank;
    bank.id = "bank_a";
    config::channel wallet;
    wallet.id = "wallet_x";
    wallet.kind = config::channel_kind::http;
    cfg_.channels = {bank, wallet};
    calendar_.emplace(*business_calendar::make({23, 0}, "UTC"));
  }

  // A journal entry (and its event) committed as the payment flow would.
  layout::journal_entry add(std::string merchant, std::string channel, event_type type,
                            std::int64_t amount, event_time at, std::string rrn,
                            event_result result = event_result::approved,
                            protocol::card_brand brand = protocol::card_brand::visa,
                            std::string payment_id = {}) {
    layout::journal_entry e;
    e.event.id = *ids_.next_text(id_kind::event, at);
    e.event.payment_id =
        payment_id.empty() ? *ids_.next_text(id_kind::payment, at) : std::move(payment_id);
    e.event.type = type;
    e.event.result = result;
    e.event.amount = {amount, *protocol::find_currency("EUR")};
    e.event.rrn = std::move(rrn);
    e.event.stan = "000123";
    e.event.authorization_code = "A1B2C3";
    e.event.response_code = "00";
    e.event.time = at;
    e.event.business_date = calendar_->date_of(at);
    e.merchant_id = std::move(merchant);
    e.channel = std::move(channel);
    e.payment_method = protocol::card_summary{brand, "411111", "1111", 12, 2030};
    store::unit_of_work u;
    u.ops.push_back(store::operation::put(
        table::journal, layout::journal_key(e.event.business_date, e.event.id),
        layout::kind_byte(layout::kind::journal_entry), layout::encode(e)));
    u.ops.push_back(
        store::operation::put(table::events, layout::event_key(e.event.payment_id, e.event.id),
                              layout::kind_byte(layout::kind::event), layout::encode(e.event)));
    EXPECT_FALSE(commit(std::move(u)));
    return e;
  }

  void add_payment(const std::string& id, std::int64_t captured) {
    payment_record p;
    p.resource.id = id;
    p.resource.amount = {captured, *protocol::find_currency("EUR")};
    p.resource.amount_captured = captured;
    p.merchant_id = "m1";
    store::unit_of_work u;
    u.ops.push_back(store::operation::put(table::payments, layout::object_key(id),
                                          layout::kind_byte(layout::kind::payment),
                                          layout::encode(p)));
    ASSERT_FALSE(commit(std::move(u)));
  }

  result<clearing_report, clearing_error> clear(year_month_day date, std::chrono::sys_seconds now) {
    const clearing_context ctx{*env_, *writer_, cfg_, *calendar_};
    return clear_date(ctx, date, now);
  }

  std::string read(const std::string& name) const {
    std::ifstream in(out_dir_ + "/" + name);
    std::stringstream body;
    body << in.rdbuf();
    return body.str();
  }

  std::string out_dir_;
  config::config cfg_;
  std::optional<business_calendar> calendar_;
  id_generator ids_{counting_random};
};

TEST_F(ClearingRun, WritesTheSpecsFilesWithFeesAndTrailers) {
  const auto sale = add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  const auto capture = add("m1", "bank_a", event_type::capture, 500, morning + 1s, "000000000002",
                           event_result::approved, protocol::card_brand::mastercard);
  add("m1", "bank_a", event_type::sale, 700, morning + 2s, "000000000003", event_result::declined);
  add("m1", "bank_a", event_type::authorization, 900, morning + 3s, "000000000004");
  const auto refund = add("m2", "bank_a", event_type::refund, 200, morning + 4s, "000000000005");
  const auto wallet = add("m2", "wallet_x", event_type::sale, 300, morning + 5s, "000000000006");

  const auto report = clear(day1, close1 + 301s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->sealed_now);
  EXPECT_TRUE(report->batch.final);
  EXPECT_EQ(report->batch.member_count, 4u);
  ASSERT_EQ(report->files.size(), 4u);

  const auto row = [](const layout::journal_entry& e, std::string_view type, std::int64_t amount,
                      std::string_view rrn, std::string_view time) {
    return "D,2026-11-21," + *e.channel + "," + e.merchant_id + "," + e.event.payment_id + "," +
           e.event.id + "," + std::string(type) + "," + std::to_string(amount) + ",EUR," +
           std::string(rrn) + ",000123,A1B2C3,00,411111,1111," + std::string(time) + "\n";
  };
  EXPECT_EQ(read("clearing_bank_a_20261121.csv"),
            std::string(clearing_header) + "\n" +
                row(sale, "sale", 1000, "000000000001", "2026-11-21T10:00:00.000Z") +
                row(capture, "capture", 500, "000000000002", "2026-11-21T10:00:01.000Z") +
                row(refund, "refund", -200, "000000000005", "2026-11-21T10:00:04.000Z") +
                "T,2026-11-21,bank_a,,3,,,1300,,,,,,,,\n");
  EXPECT_EQ(read("clearing_wallet_x_20261121.csv"),
            std::string(clearing_header) + "\n" +
                row(wallet, "sale", 300, "000000000006", "2026-11-21T10:00:05.000Z") +
                "T,2026-11-21,wallet_x,,1,,,300,,,,,,,,\n");
  // m1: 1000 at 1.5 % + 10 = 25; 500 by Mastercard at 2 % = 10.
  EXPECT_EQ(read("settlement_m1_20261121.csv"),
            std::string(settlement_header) + "\n" + "D,2026-11-21,m1," + sale.event.payment_id +
                "," + sale.event.id +
                ",sale,bank_a,1000,25,975,EUR,visa,2026-11-21T10:00:00.000Z\n" +
                "D,2026-11-21,m1," + capture.event.payment_id + "," + capture.event.id +
                ",capture,bank_a,500,10,490,EUR,mastercard,2026-11-21T10:00:01.000Z\n" +
                "T,2026-11-21,m1,2,,,,1500,35,1465,EUR,,\n");
  // m2 keeps the fee of a refund; its rows come by channel, then time.
  EXPECT_EQ(read("settlement_m2_20261121.csv"),
            std::string(settlement_header) + "\n" + "D,2026-11-21,m2," + refund.event.payment_id +
                "," + refund.event.id +
                ",refund,bank_a,-200,0,-200,EUR,visa,2026-11-21T10:00:04.000Z\n" +
                "D,2026-11-21,m2," + wallet.event.payment_id + "," + wallet.event.id +
                ",sale,wallet_x,300,8,292,EUR,visa,2026-11-21T10:00:05.000Z\n" +
                "T,2026-11-21,m2,2,,,,100,8,92,EUR,,\n");
  for (const auto& f : report->files) {
    EXPECT_EQ(f.sha256, hsm::sha256_hex(read(f.file_name))) << f.file_name;
    EXPECT_EQ(read(f.file_name + ".sha256"), f.sha256 + "  " + f.file_name + "\n");
  }
  // Nothing temporary is left in the directory: four files and their companions.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(out_dir_),
                          std::filesystem::directory_iterator()),
            8);
}

TEST_F(ClearingRun, QuietDayGivesEmptyFilesWithTrailers) {
  const auto report = clear(day1, close1 + 301s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(read("clearing_bank_a_20261121.csv"),
            std::string(clearing_header) + "\nT,2026-11-21,bank_a,,0,,,0,,,,,,,,\n");
  EXPECT_EQ(read("settlement_m1_20261121.csv"),
            std::string(settlement_header) + "\nT,2026-11-21,m1,0,,,,0,0,0,,,\n");
}

TEST_F(ClearingRun, RefundReturnsTheFeeInProportionUnderTheRefundPolicy) {
  add_payment("pay_00000000000000000000000001", 1000);
  add("m1", "bank_a", event_type::refund, 250, morning, "000000000001", event_result::approved,
      protocol::card_brand::visa, "pay_00000000000000000000000001");
  ASSERT_TRUE(clear(day1, close1 + 301s));
  // The payment's fee was 25; a quarter of it comes back.
  EXPECT_NE(read("settlement_m1_20261121.csv").find(",refund,bank_a,-250,-6,-244,EUR,"),
            std::string::npos);
}

TEST_F(ClearingRun, ClearingASealedDateAgainReproducesTheSameBytes) {
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  add("m2", "wallet_x", event_type::sale, 300, morning + 1s, "000000000002");
  const auto first = clear(day1, close1 + 301s);
  ASSERT_TRUE(first);
  std::vector<std::string> before;
  for (const auto& f : first->files) before.push_back(read(f.file_name));
  for (const auto& f : first->files) std::filesystem::remove(out_dir_ + "/" + f.file_name);
  std::filesystem::remove(out_dir_ + "/" + first->files[0].file_name + ".sha256");

  const auto again = clear(day1, close1 + 3600s);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->sealed_now);
  EXPECT_EQ(again->batch, first->batch);
  for (std::size_t i = 0; i < first->files.size(); ++i) {
    EXPECT_EQ(read(first->files[i].file_name), before[i]) << first->files[i].file_name;
  }
  EXPECT_TRUE(std::filesystem::exists(out_dir_ + "/" + first->files[0].file_name + ".sha256"));
}

TEST_F(ClearingRun, RegenerationThatWouldDifferWritesNothing) {
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  const auto first = clear(day1, close1 + 301s);
  ASSERT_TRUE(first);
  std::filesystem::remove(out_dir_ + "/settlement_m1_20261121.csv");
  cfg_.merchants[0].fees.base = {300, 0};  // the fee schedule changed since the seal
  const auto again = clear(day1, close1 + 3600s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, clearing_errc::not_reproducible);
  EXPECT_NE(again.error().message.find("settlement_m1_20261121.csv"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out_dir_ + "/settlement_m1_20261121.csv"));
}

TEST_F(ClearingRun, LateEventOfAnEarlySealGoesToTheNextDateAsAnAdjustment) {
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  // Cleared on demand within the grace period: not final.
  const auto early = clear(day1, close1 + 10s);
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_FALSE(early->batch.final);
  const std::string sealed = read("clearing_bank_a_20261121.csv");

  // An answer stamped before the cutoff commits after the seal.
  const auto late = add("m1", "bank_a", event_type::sale, 400, morning + 1h, "000000000009");
  const auto again = clear(day1, close1 + 20s);
  ASSERT_TRUE(again);
  EXPECT_EQ(read("clearing_bank_a_20261121.csv"), sealed);  // the seal's content, unchanged

  add("m1", "bank_a", event_type::sale, 50, morning + 24h, "000000000010");
  const auto next = clear(day2, close1 + 24h + 301s);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->batch.adjustment_count, 1u);
  ASSERT_EQ(next->finalized.size(), 1u);
  EXPECT_EQ(next->finalized[0], day1);
  const std::string file2 = read("clearing_bank_a_20261122.csv");
  // The adjustment keeps its own business date and comes first (earlier timestamp).
  const auto adjustment = file2.find("D,2026-11-21,bank_a,m1," + late.event.payment_id);
  ASSERT_NE(adjustment, std::string::npos);
  EXPECT_LT(adjustment, file2.find("D,2026-11-22,"));
  EXPECT_NE(file2.find("T,2026-11-22,bank_a,,2,,,450,"), std::string::npos);
  EXPECT_NE(read("settlement_m1_20261122.csv").find("D,2026-11-21,m1," + late.event.payment_id),
            std::string::npos);
  EXPECT_EQ(next->files[0].adjustment_count, 1u);

  const book b(*env_);
  EXPECT_TRUE((*b.batch(day1))->final);
  // Clearing day2 again reproduces the adjustment too.
  std::filesystem::remove(out_dir_ + "/clearing_bank_a_20261122.csv");
  ASSERT_TRUE(clear(day2, close1 + 25h));
  EXPECT_EQ(read("clearing_bank_a_20261122.csv"), file2);
}

TEST_F(ClearingRun, RefusesADateStillOpen) {
  const auto report = clear(day1, close1 - 1s);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, clearing_errc::date_open);
  EXPECT_NE(report.error().message.find("2026-11-21T23:00:00.000Z"), std::string::npos);
}

TEST_F(ClearingRun, MerchantMissingFromTheConfigurationIsNamed) {
  add("gone", "bank_a", event_type::sale, 1000, morning, "000000000001");
  const auto report = clear(day1, close1 + 301s);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, clearing_errc::merchant_unknown);
  EXPECT_NE(report.error().message.find("gone"), std::string::npos);
  // Nothing sealed, nothing published, no leftover records.
  EXPECT_FALSE(*book(*env_).batch(day1));
  EXPECT_TRUE(book(*env_).batch_keys({})->empty());
  EXPECT_FALSE(std::filesystem::exists(out_dir_ + "/clearing_bank_a_20261121.csv"));
}

TEST_F(ClearingRun, ReversalBesideAnApprovedEventOfItsRequestIsRefused) {
  const auto sale = add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  add("m1", "bank_a", event_type::reversal, 1000, morning + 1s, "000000000001",
      event_result::approved, protocol::card_brand::visa, sale.event.payment_id);
  const auto report = clear(day1, close1 + 301s);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, clearing_errc::book_inconsistent);
}

TEST_F(ClearingRun, ReversalOfAnUnansweredRequestAddsNothing) {
  const auto failed =
      add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001", event_result::failed);
  add("m1", "bank_a", event_type::reversal, 1000, morning + 1s, "000000000001",
      event_result::approved, protocol::card_brand::visa, failed.event.payment_id);
  const auto report = clear(day1, close1 + 301s);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->batch.member_count, 0u);
}

TEST_F(ClearingRun, DatesDueAreClosedUnsealedDatesWithEntries) {
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  add("m1", "bank_a", event_type::sale, 1000, morning + 24h, "000000000002");
  EXPECT_TRUE(dates_due(*env_, *calendar_, 300, close1 + 299s)->empty());  // within grace
  EXPECT_EQ(*dates_due(*env_, *calendar_, 300, close1 + 300s), std::vector{day1});
  ASSERT_TRUE(clear(day1, close1 + 300s));
  EXPECT_TRUE(dates_due(*env_, *calendar_, 300, close1 + 301s)->empty());
  EXPECT_EQ(*dates_due(*env_, *calendar_, 300, close1 + 24h + 300s), std::vector{day2});
}

TEST(EventTime, IsUtcWithMilliseconds) {
  EXPECT_EQ(format_event_time(event_time{std::chrono::sys_days{day1} + 14h + 3min + 7s + 123ms}),
            "2026-11-21T14:03:07.123Z");
}

}  // namespace
}  // namespace sy::clearing
