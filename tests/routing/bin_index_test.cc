// The BIN index: PAN keys, prefix ranges normalised to 11-digit intervals, segment lookup at
// range edges with overlapping rules, and the entry limit against pathological overlaps.
#include "routing/detail/bin_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "routing/route_errc.h"

namespace {

using namespace sy::routing::detail;

std::vector<std::uint16_t> rules(const bin_index& index, std::uint64_t key) {
  const auto span = index.rules_at(key);
  return {span.begin(), span.end()};
}

using list = std::vector<std::uint16_t>;

TEST(BinKey, IsTheFirstElevenDigits) {
  EXPECT_EQ(bin_key("4111111111111111"), 41111111111u);
  EXPECT_EQ(bin_key("62123456789012345"), 62123456789u);
  EXPECT_EQ(bin_key("41111111111"), 41111111111u);
  EXPECT_EQ(bin_key("4111111111"), std::nullopt);
  EXPECT_EQ(bin_key(""), std::nullopt);
  EXPECT_EQ(bin_key("41111x111111111"), std::nullopt);
  EXPECT_EQ(bin_key("4111111111 111"), std::nullopt);
}

TEST(BinRange, NormalisesPrefixesOfAnyLengthUpToEleven) {
  EXPECT_EQ(normalise_bin_range("4", "4"), (bin_interval{40000000000, 49999999999}));
  EXPECT_EQ(normalise_bin_range("510000", "559999"), (bin_interval{51000000000, 55999999999}));
  EXPECT_EQ(normalise_bin_range("2221", "2720"), (bin_interval{22210000000, 27209999999}));
  EXPECT_EQ(normalise_bin_range("41111111111", "41111111111"),
            (bin_interval{41111111111, 41111111111}));
}

TEST(BinRange, RejectsMalformedRanges) {
  EXPECT_EQ(normalise_bin_range("", ""), std::nullopt);
  EXPECT_EQ(normalise_bin_range("5", "55"), std::nullopt);
  EXPECT_EQ(normalise_bin_range("55", "51"), std::nullopt);
  EXPECT_EQ(normalise_bin_range("411111111111", "411111111111"), std::nullopt);
  EXPECT_EQ(normalise_bin_range("4a", "4b"), std::nullopt);
}

TEST(BinIndex, EmptyIndexHasNoRules) {
  const bin_index empty;
  EXPECT_TRUE(empty.rules_at(0).empty());
  EXPECT_TRUE(empty.rules_at(99999999999).empty());
  const auto built = bin_index::build({}, 3);
  ASSERT_TRUE(built);
  EXPECT_TRUE(built->rules_at(41111111111).empty());
}

TEST(BinIndex, OverlappingRangesListEveryCoveringRuleAscending) {
  const std::vector<bin_index::entry> entries{
      {*normalise_bin_range("411111", "411111"), 2},
      {*normalise_bin_range("4", "4"), 0},
      {*normalise_bin_range("40", "45"), 1},
      {*normalise_bin_range("51", "55"), 1},
  };
  const auto index = bin_index::build(entries, 3);
  ASSERT_TRUE(index);
  EXPECT_EQ(rules(*index, 39999999999), list{});
  EXPECT_EQ(rules(*index, 40000000000), (list{0, 1}));
  EXPECT_EQ(rules(*index, 41111099999), (list{0, 1}));
  EXPECT_EQ(rules(*index, 41111100000), (list{0, 1, 2}));
  EXPECT_EQ(rules(*index, 41111199999), (list{0, 1, 2}));
  EXPECT_EQ(rules(*index, 41111200000), (list{0, 1}));
  EXPECT_EQ(rules(*index, 45999999999), (list{0, 1}));
  EXPECT_EQ(rules(*index, 46000000000), (list{0}));
  EXPECT_EQ(rules(*index, 49999999999), (list{0}));
  EXPECT_EQ(rules(*index, 50000000000), list{});
  EXPECT_EQ(rules(*index, 51000000000), (list{1}));
  EXPECT_EQ(rules(*index, 55999999999), (list{1}));
  EXPECT_EQ(rules(*index, 56000000000), list{});
  EXPECT_EQ(rules(*index, 99999999999), list{});
}

TEST(BinIndex, RangesAtTheEdgesOfTheKeySpace) {
  const std::vector<bin_index::entry> entries{
      {*normalise_bin_range("0", "0"), 0},
      {*normalise_bin_range("99999999999", "99999999999"), 1},
  };
  const auto index = bin_index::build(entries, 2);
  ASSERT_TRUE(index);
  EXPECT_EQ(rules(*index, 0), (list{0}));
  EXPECT_EQ(rules(*index, 9999999999), (list{0}));
  EXPECT_EQ(rules(*index, 10000000000), list{});
  EXPECT_EQ(rules(*index, 99999999998), list{});
  EXPECT_EQ(rules(*index, 99999999999), (list{1}));
}

TEST(BinIndex, AdjacentRangesOfOneRuleShareASegment) {
  const std::vector<bin_index::entry> entries{
      {*normalise_bin_range("40", "44"), 0},
      {*normalise_bin_range("45", "49"), 0},
  };
  const auto index = bin_index::build(entries, 1);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->segment_count(), 3u);  // before, 40..49, after
  EXPECT_EQ(rules(*index, 44999999999), (list{0}));
  EXPECT_EQ(rules(*index, 45000000000), (list{0}));
}

// 1024 rules covering everything except holes shared by pairs of rules: 4096 distinct lists of
// 1022 rules each, more entries than limits::route_bin_index_entry_count_max allows.
TEST(BinIndex, RefusesOverlapsBeyondTheEntryLimit) {
  constexpr std::uint16_t rule_count = 1024;
  std::vector<std::vector<std::uint64_t>> holes(rule_count);
  std::uint64_t position = 1;
  for (std::uint16_t d = 1; d <= 4; ++d) {
    for (std::uint16_t r = 0; r < rule_count; ++r) {
      holes[r].push_back(position);
      holes[(r + d) % rule_count].push_back(position);
      position += 2;
    }
  }
  std::vector<bin_index::entry> entries;
  for (std::uint16_t r = 0; r < rule_count; ++r) {
    std::sort(holes[r].begin(), holes[r].end());
    std::uint64_t low = 0;
    for (const auto hole : holes[r]) {
      entries.push_back({{low, hole - 1}, r});
      low = hole + 1;
    }
    entries.push_back({{low, 99999999999}, r});
  }
  const auto index = bin_index::build(entries, rule_count);
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error(), sy::routing::route_errc::bin_index_too_large);
}

}  // namespace
