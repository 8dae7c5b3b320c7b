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
#include "hsm/soft_backend.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "protocol/currency.h"
#include "tests/clearing/clearing_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using std::chrono::year_month_day;
using test::close1;
using test::day1;
using test::day2;
using test::morning;
using ClearingRun = test::clearing_fixture;

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

TEST_F(ClearingRun, SignedFilesCarryAnHmacOfTheirDigestUnderTheClearingKey) {
  const auto hsm = hsm::soft_backend::in_memory();
  const std::vector<std::uint8_t> key(32, 0x11);
  ASSERT_TRUE(hsm->import_clear(
      {"clearing-sign", hsm::key_type::file_signing, hsm::key_algorithm::hmac_sha256, 0}, key));
  hsm_ = hsm.get();
  cfg_.clearing.signing_key = "clearing-sign";
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  const auto report = clear(day1, close1 + 301s);
  ASSERT_TRUE(report) << report.error().message;
  for (const auto& f : report->files) {
    SCOPED_TRACE(f.file_name);
    // Computed here with OpenSSL alone, as a settlement system would verify it.
    const std::string message = "switchyard-file-signature-v1\n" + f.file_name + "\n" +
                                hsm::sha256_hex(read(f.file_name)) + "\n";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
    std::array<std::uint8_t, 32> digest{};
    std::copy(mac, mac + 32, digest.begin());
    EXPECT_EQ(read(f.file_name + ".sig"),
              hsm::to_lower_hex(digest) + "  " + f.file_name + "  key=clearing-sign version=1\n");
  }
  // A signature missing from a sealed date's files is written again.
  std::filesystem::remove(out_dir_ + "/" + report->files[0].file_name + ".sig");
  ASSERT_TRUE(clear(day1, close1 + 3600s));
  EXPECT_TRUE(std::filesystem::exists(out_dir_ + "/" + report->files[0].file_name + ".sig"));
}

TEST_F(ClearingRun, ASealWithinAMinuteOfTheCloseIsNotFinalEvenWithoutGrace) {
  cfg_.clearing.grace_s = 0;
  add("m1", "bank_a", event_type::sale, 1000, morning, "000000000001");
  const auto report = clear(day1, close1 + 10s);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->batch.final);  // a commit in flight at the cutoff may still land
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
