#include "clearing/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sy::clearing {
namespace {

using std::chrono::milliseconds;

// 2026-11-21T23:18:45.123Z
constexpr id_clock_time t0{milliseconds{1'795'303'125'123}};

bool all_ones(std::span<std::uint8_t> out) noexcept {
  std::fill(out.begin(), out.end(), std::uint8_t{0xff});
  return true;
}

bool all_zeros(std::span<std::uint8_t> out) noexcept {
  std::fill(out.begin(), out.end(), std::uint8_t{0});
  return true;
}

bool broken(std::span<std::uint8_t>) noexcept {
  return false;
}

std::string make_text(id_generator& gen, id_kind kind, id_clock_time now) {
  auto text = gen.next_text(kind, now);
  EXPECT_TRUE(text.has_value());
  return text.has_value() ? *text : std::string{};
}

TEST(Ids, TextHasPrefixAndTwentySixCrockfordDigits) {
  id_generator gen;
  const std::string payment = make_text(gen, id_kind::payment, t0);
  const std::string refund = make_text(gen, id_kind::refund, t0);
  const std::string event = make_text(gen, id_kind::event, t0);
  EXPECT_EQ(payment.substr(0, 4), "pay_");
  EXPECT_EQ(refund.substr(0, 3), "re_");
  EXPECT_EQ(event.substr(0, 3), "ev_");
  EXPECT_EQ(payment.size(), 4 + id_body_size);
  EXPECT_EQ(refund.size(), 3 + id_body_size);
  const std::string body = payment.substr(4);
  EXPECT_EQ(body.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
  EXPECT_LE(body[0], '7');
}

TEST(Ids, CarryTheirMillisecond) {
  id_generator gen;
  const auto id = gen.next(id_kind::payment, t0);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->time(), t0);
  EXPECT_EQ(id->kind, id_kind::payment);
}

TEST(Ids, TextRoundTripsThroughParse) {
  id_generator gen;
  for (int i = 0; i < 100; ++i) {
    const auto id = gen.next(id_kind::refund, t0 + milliseconds{i});
    ASSERT_TRUE(id.has_value());
    const auto parsed = parse_id(to_string(*id), id_kind::refund);
    ASSERT_TRUE(parsed.has_value()) << to_string(*id);
    EXPECT_EQ(*parsed, *id);
  }
}

TEST(Ids, KnownBytesEncodeToKnownText) {
  object_id id{id_kind::event, {}};
  EXPECT_EQ(to_string(id), "ev_00000000000000000000000000");
  id.bytes.fill(0xff);
  EXPECT_EQ(to_string(id), "ev_7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
  id.bytes = {};
  id.bytes[15] = 0x21;  // 0b100001: digits 1 and 1
  EXPECT_EQ(to_string(id), "ev_00000000000000000000000011");
}

TEST(Ids, TextOrderIsCreationOrderAcrossMilliseconds) {
  id_generator gen;
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) {
    texts.push_back(make_text(gen, id_kind::payment, t0 + milliseconds{i / 3}));
  }
  EXPECT_TRUE(std::is_sorted(texts.begin(), texts.end()));
  EXPECT_EQ(std::set<std::string>(texts.begin(), texts.end()).size(), texts.size());
}

TEST(Ids, StayOrderedWithinOneMillisecondAndWhenTheClockStepsBack) {
  id_generator gen;
  std::vector<object_id> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto now = i < 500 ? t0 : t0 - milliseconds{5};
    const auto id = gen.next(id_kind::event, now);
    ASSERT_TRUE(id.has_value());
    ids.push_back(*id);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) {
    EXPECT_LT(std::memcmp(ids[i - 1].bytes.data(), ids[i].bytes.data(), 16), 0) << i;
    EXPECT_LT(to_string(ids[i - 1]), to_string(ids[i])) << i;
  }
  EXPECT_GE(ids.back().time(), t0);
}

TEST(Ids, ManyIdsAreUnique) {
  id_generator gen;
  std::set<std::string> seen;
  for (int i = 0; i < 100'000; ++i) {
    seen.insert(make_text(gen, id_kind::payment, t0 + milliseconds{i / 1000}));
  }
  EXPECT_EQ(seen.size(), 100'000u);
}

TEST(Ids, TwoGeneratorsInTheSameMillisecondDoNotCollide) {
  id_generator a;
  id_generator b;
  EXPECT_NE(make_text(a, id_kind::payment, t0), make_text(b, id_kind::payment, t0));
}

TEST(Ids, ThreadsSharingOneGeneratorGetOrderedUniqueIds) {
  id_generator gen;
  constexpr int per_thread = 5000;
  std::vector<std::vector<std::string>> made(2);
  std::vector<std::thread> threads;
  for (auto& out : made) {
    threads.emplace_back([&gen, &out] {
      for (int i = 0; i < per_thread; ++i) out.push_back(make_text(gen, id_kind::event, t0));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : made) {
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
    all.insert(out.begin(), out.end());
  }
  EXPECT_EQ(all.size(), 2u * per_thread);
}

TEST(Ids, SuccessorsInOneMillisecondDoNotDifferByOne) {
  // Unguessable: knowing one id must not give away the next, even in the same millisecond.
  id_generator gen;
  const auto a = gen.next(id_kind::payment, t0);
  const auto b = gen.next(id_kind::payment, t0);
  ASSERT_TRUE(a.has_value() && b.has_value());
  auto a_plus_one = a->bytes;
  for (int i = 15; i >= 0 && ++a_plus_one[static_cast<std::size_t>(i)] == 0; --i) {
  }
  EXPECT_NE(a_plus_one, b->bytes);
}

TEST(Ids, MoveToTheNextMillisecondWhenTheRandomPartWouldOverflow) {
  // All-ones random bytes: a fresh millisecond starts at 0x7fff... and each step adds 2^64, so
  // the 80-bit part overflows after 2^15 steps; the id must then move on, still in order.
  id_generator gen(all_ones);
  auto previous = gen.next(id_kind::event, t0);
  ASSERT_TRUE(previous.has_value());
  bool moved_on = false;
  for (int i = 0; i < 40'000 && !moved_on; ++i) {
    const auto id = gen.next(id_kind::event, t0);
    ASSERT_TRUE(id.has_value());
    ASSERT_LT(previous->bytes, id->bytes);
    moved_on = id->time() == t0 + milliseconds{1};
    previous = id;
  }
  EXPECT_TRUE(moved_on);
}

TEST(Ids, ZeroRandomBytesStillGiveStrictlyIncreasingIds) {
  id_generator gen(all_zeros);
  const auto a = gen.next(id_kind::payment, t0);
  const auto b = gen.next(id_kind::payment, t0);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_LT(a->bytes, b->bytes);
  EXPECT_EQ(b->time(), t0);
}

TEST(Ids, FailingRandomSourceIsAnErrorValue) {
  id_generator gen(broken);
  const auto id = gen.next(id_kind::payment, t0);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error(), id_error::random_unavailable);
  const auto text = gen.next_text(id_kind::payment, t0);
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error(), id_error::random_unavailable);
}

struct parse_case {
  std::string_view text;
  id_kind expected;
  id_error error;
};

TEST(Ids, ParseRefusesMalformedIdsPrecisely) {
  const parse_case cases[] = {
      {"", id_kind::payment, id_error::wrong_prefix},
      {"re_01JD6Y0Z7QW4K3V9N2B8C5XGTR", id_kind::payment, id_error::wrong_prefix},
      {"PAY_01JD6Y0Z7QW4K3V9N2B8C5XGTR", id_kind::payment, id_error::wrong_prefix},
      {"pay01JD6Y0Z7QW4K3V9N2B8C5XGTR", id_kind::payment, id_error::wrong_prefix},
      {"pay_", id_kind::payment, id_error::wrong_length},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGT", id_kind::payment, id_error::wrong_length},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGTRR", id_kind::payment, id_error::wrong_length},
      {"pay_01jd6y0z7qw4k3v9n2b8c5xgtr", id_kind::payment, id_error::invalid_character},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGTI", id_kind::payment, id_error::invalid_character},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGTL", id_kind::payment, id_error::invalid_character},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGTO", id_kind::payment, id_error::invalid_character},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XGTU", id_kind::payment, id_error::invalid_character},
      {"pay_01JD6Y0Z7QW4K3V9N2B8C5XG-R", id_kind::payment, id_error::invalid_character},
      {std::string_view("pay_01JD6Y0Z7QW4K3V9N2B8C5X\0TR", 30), id_kind::payment,
       id_error::invalid_character},
      {"pay_\xff"
       "1JD6Y0Z7QW4K3V9N2B8C5XGTR",
       id_kind::payment, id_error::invalid_character},
      {"pay_81JD6Y0Z7QW4K3V9N2B8C5XGTR", id_kind::payment, id_error::out_of_range},
      {"ev_ZZZZZZZZZZZZZZZZZZZZZZZZZZ", id_kind::event, id_error::out_of_range},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_id(c.text, c.expected);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error(), c.error) << c.text << ": " << to_string(parsed.error());
  }
}

TEST(Ids, ParseAcceptsTheLargestId) {
  const auto parsed = parse_id("ev_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", id_kind::event);
  ASSERT_TRUE(parsed.has_value());
  for (const auto byte : parsed->bytes) EXPECT_EQ(byte, 0xff);
}

TEST(Ids, ErrorsHaveNames) {
  EXPECT_EQ(to_string(id_error::wrong_prefix), "wrong_prefix");
  EXPECT_EQ(to_string(id_error::wrong_length), "wrong_length");
  EXPECT_EQ(to_string(id_error::invalid_character), "invalid_character");
  EXPECT_EQ(to_string(id_error::out_of_range), "out_of_range");
  EXPECT_EQ(to_string(id_error::random_unavailable), "random_unavailable");
  EXPECT_EQ(prefix_of(id_kind::refund), "re_");
}

}  // namespace
}  // namespace sy::clearing
