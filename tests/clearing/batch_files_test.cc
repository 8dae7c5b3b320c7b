// The batch files alone: statement rows grouped by channel whatever the events' order, the same
// bytes whether the rows stayed in memory or spilled, quoting, and nothing left behind.
#include "clearing/batch_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hsm/digest.h"
#include "protocol/currency.h"
#include "tests/clearing/store_test_support.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::year_month_day day{std::chrono::year{2026}, std::chrono::November,
                                          std::chrono::day{21}};

layout::journal_entry entry(int i, std::string merchant, std::string channel) {
  layout::journal_entry e;
  e.event.id = "ev_" + std::string(20, '0') + std::to_string(100000 + i);
  e.event.payment_id = "pay_" + std::to_string(i);
  e.event.type = event_type::sale;
  e.event.amount = {100 + i, *protocol::find_currency("EUR")};
  e.event.rrn = std::to_string(100000000000 + i);
  e.event.time = event_time{std::chrono::sys_days{day}} + std::chrono::seconds{i};
  e.event.business_date = day;
  e.merchant_id = std::move(merchant);
  e.channel = std::move(channel);
  e.payment_method = protocol::card_summary{protocol::card_brand::visa, "411111", "1111", 1, 2030};
  return e;
}

// The channel of event `i` of a run: alternating between two.
std::string alternating(int i) {
  return (i / 2) % 2 == 0 ? "bank_a" : "bank_b";
}

// Writes `n` events of two merchants, alternating, on the channels `channel_of` says; returns
// the files' text.
std::map<std::string, std::string> write(const std::string& dir, int n, std::size_t memory,
                                         std::string (*channel_of)(int) = alternating) {
  const std::vector<std::string> channels{"bank_a", "bank_b"};
  const std::vector<std::string> merchants{"m1", "m2"};
  auto w = batch_writer::open(dir, day, 7, channels, merchants, memory);
  EXPECT_TRUE(w);
  for (int i = 0; i < n; ++i) {
    const auto e = entry(i, merchants[i % 2], channel_of(i));
    EXPECT_TRUE((*w)->add({&e, e.event.amount.amount, 1, false}));
  }
  const auto files = (*w)->finish();
  EXPECT_TRUE(files);
  EXPECT_TRUE((*w)->publish());
  std::map<std::string, std::string> out;
  for (const auto& f : *files) {
    std::ifstream in(dir + "/" + f.file_name);
    std::stringstream body;
    body << in.rdbuf();
    out[f.file_name] = body.str();
    EXPECT_EQ(f.sha256, hsm::sha256_hex(body.str()));
  }
  return out;
}

TEST(BatchFiles, StatementRowsComeByChannelThenTime) {
  store::test::temp_dir dir;
  const auto files = write(dir.path(), 8, limits::clearing_segment_memory_max);
  const std::string& m1 = files.at("settlement_m1_20261121.csv");
  // m1 has events 0, 2, 4, 6 on bank_a, bank_b, bank_a, bank_b: bank_a's first.
  const auto at = [&](int i) { return m1.find(",pay_" + std::to_string(i) + ","); };
  EXPECT_LT(at(0), at(4));
  EXPECT_LT(at(4), at(2));
  EXPECT_LT(at(2), at(6));
  EXPECT_NE(m1.find("T,2026-11-21,m1,4,,,,412,4,408,EUR,,\n"), std::string::npos) << m1;
}

TEST(BatchFiles, SpillingGivesTheSameBytes) {
  store::test::temp_dir in_memory, spilled;
  const auto a = write(in_memory.path(), 5000, limits::clearing_segment_memory_max);
  const auto b = write(spilled.path(), 5000, 4096);  // spills about every 30 rows
  EXPECT_EQ(a, b);
  // Only the files and their companions remain: the spill file is gone.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(spilled.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 2 * b.size());
}

// Only the files and their companions remain in `dir`: no spill or temporary file.
std::size_t entry_count(const std::string& dir) {
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  return entries;
}

TEST(BatchFiles, StatementsOfOneChannelGiveTheSameBytesPastTheMemoryCap) {
  store::test::temp_dir in_memory, spilled;
  const auto one_channel = [](int) { return std::string("bank_b"); };
  const auto a = write(in_memory.path(), 5000, limits::clearing_segment_memory_max, one_channel);
  const auto b = write(spilled.path(), 5000, 4096, one_channel);
  EXPECT_EQ(a, b);
  EXPECT_EQ(entry_count(spilled.path()), 2 * b.size());
}

TEST(BatchFiles, AChannelOrderedFirstArrivingAfterASpillGivesTheSameBytes) {
  // bank_b alone for the first 3000 events (many spills, m1's and m2's statements written
  // straight to their files), then bank_a, which the statements list first.
  store::test::temp_dir in_memory, spilled;
  const auto late_first = [](int i) { return std::string(i < 3000 ? "bank_b" : "bank_a"); };
  const auto a = write(in_memory.path(), 5000, limits::clearing_segment_memory_max, late_first);
  const auto b = write(spilled.path(), 5000, 4096, late_first);
  EXPECT_EQ(a, b);
  const std::string& m1 = a.at("settlement_m1_20261121.csv");
  EXPECT_LT(m1.find(",pay_3000,"), m1.find(",pay_0,"));
  EXPECT_EQ(entry_count(spilled.path()), 2 * b.size());
}

TEST(BatchFiles, TextNeedingQuotesIsQuoted) {
  store::test::temp_dir dir;
  auto w = batch_writer::open(dir.path(), day, 1, {}, {});
  ASSERT_TRUE(w);
  auto e = entry(1, "m1", "bank_a");
  e.event.authorization_code = "A,\"1";
  ASSERT_TRUE((*w)->add({&e, 101, 0, false}));
  ASSERT_TRUE((*w)->finish());
  ASSERT_TRUE((*w)->publish());
  std::ifstream in(dir.path() + "/clearing_bank_a_20261121.csv");
  std::stringstream body;
  body << in.rdbuf();
  EXPECT_NE(body.str().find(",\"A,\"\"1\","), std::string::npos) << body.str();
}

}  // namespace
}  // namespace sy::clearing
