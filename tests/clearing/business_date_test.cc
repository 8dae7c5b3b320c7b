#include "clearing/business_date.h"

#include <gtest/gtest.h>

#include "protocol/merchant_resources.h"

namespace sy::clearing {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;
using instant = std::chrono::sys_time<milliseconds>;

business_calendar calendar(std::uint8_t hour, std::uint8_t minute, std::string_view zone) {
  auto made = business_calendar::make(config::time_of_day{hour, minute}, zone);
  EXPECT_TRUE(made.has_value()) << zone;
  return *made;
}

constexpr year_month_day ymd(int y, unsigned m, unsigned d) {
  return year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// A UTC instant.
instant utc(int y, unsigned m, unsigned d, int h, int min, int s = 0, int ms = 0) {
  return instant{sys_days{ymd(y, m, d)}} + std::chrono::hours{h} + std::chrono::minutes{min} +
         std::chrono::seconds{s} + milliseconds{ms};
}

TEST(BusinessCalendar, EventsAtOrAfterTheCutoffBelongToTheNextDate) {
  const auto shanghai = calendar(23, 0, "Asia/Shanghai");  // UTC+8, no daylight saving
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 21, 14, 59, 59, 999)), ymd(2026, 11, 21));
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 21, 15, 0)), ymd(2026, 11, 22));
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 21, 15, 30)), ymd(2026, 11, 22));
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 21, 16, 0)), ymd(2026, 11, 22));  // local midnight
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 20, 15, 0)), ymd(2026, 11, 21));
  EXPECT_EQ(shanghai.close_of(ymd(2026, 11, 21)), utc(2026, 11, 21, 15, 0));
}

TEST(BusinessCalendar, MidnightCutoffMakesBusinessDatesCalendarDates) {
  const auto plain = calendar(0, 0, "UTC");
  EXPECT_EQ(plain.date_of(utc(2026, 11, 21, 0, 0)), ymd(2026, 11, 21));
  EXPECT_EQ(plain.date_of(utc(2026, 11, 21, 23, 59, 59, 999)), ymd(2026, 11, 21));
  EXPECT_EQ(plain.date_of(utc(2026, 11, 22, 0, 0)), ymd(2026, 11, 22));
  EXPECT_EQ(plain.close_of(ymd(2026, 11, 21)), utc(2026, 11, 22, 0, 0));
}

TEST(BusinessCalendar, EarlyMorningCutoffRollsTheDateAfterIt) {
  const auto shanghai = calendar(2, 0, "Asia/Shanghai");
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 20, 17, 59)), ymd(2026, 11, 21));  // 01:59 local
  EXPECT_EQ(shanghai.date_of(utc(2026, 11, 20, 18, 0)), ymd(2026, 11, 22));   // 02:00 local
  EXPECT_EQ(shanghai.close_of(ymd(2026, 11, 21)), utc(2026, 11, 20, 18, 0));
}

TEST(BusinessCalendar, CloseFollowsDaylightSavingInNewYork) {
  const auto new_york = calendar(23, 0, "America/New_York");
  EXPECT_EQ(new_york.close_of(ymd(2026, 11, 21)), utc(2026, 11, 22, 4, 0));  // EST, UTC-5
  EXPECT_EQ(new_york.close_of(ymd(2026, 7, 1)), utc(2026, 7, 2, 3, 0));      // EDT, UTC-4
  // Clocks spring forward on 2026-03-08 and fall back on 2026-11-01.
  EXPECT_EQ(new_york.close_of(ymd(2026, 3, 8)) - new_york.close_of(ymd(2026, 3, 7)), 23h);
  EXPECT_EQ(new_york.close_of(ymd(2026, 11, 1)) - new_york.close_of(ymd(2026, 10, 31)), 25h);
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 2, 3, 59)), ymd(2026, 11, 1));  // 22:59 EST
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 2, 4, 0)), ymd(2026, 11, 2));
}

TEST(BusinessCalendar, SkippedCutoffClosesTheDateAtTheJump) {
  // 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:30 never happens.
  const auto new_york = calendar(2, 30, "America/New_York");
  EXPECT_EQ(new_york.close_of(ymd(2026, 3, 8)), utc(2026, 3, 8, 7, 0));
  EXPECT_EQ(new_york.date_of(utc(2026, 3, 8, 6, 59, 59, 999)), ymd(2026, 3, 8));
  EXPECT_EQ(new_york.date_of(utc(2026, 3, 8, 7, 0)), ymd(2026, 3, 9));
  // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
  const auto berlin = calendar(2, 30, "Europe/Berlin");
  EXPECT_EQ(berlin.close_of(ymd(2026, 3, 29)), utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(berlin.date_of(utc(2026, 3, 29, 1, 0)), ymd(2026, 3, 30));
}

TEST(BusinessCalendar, RepeatedCutoffClosesTheDateTheFirstTime) {
  // 2026-11-01 in New York: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
  const auto new_york = calendar(1, 30, "America/New_York");
  EXPECT_EQ(new_york.close_of(ymd(2026, 11, 1)), utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 1, 5, 29, 59, 999)), ymd(2026, 11, 1));
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 1, 5, 30)), ymd(2026, 11, 2));
  // 01:00 EST, the second time the clock reads 01:00: the date has already closed.
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 1, 6, 0)), ymd(2026, 11, 2));
  EXPECT_EQ(new_york.date_of(utc(2026, 11, 1, 6, 45)), ymd(2026, 11, 2));
  // Berlin, 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
  const auto berlin = calendar(2, 30, "Europe/Berlin");
  EXPECT_EQ(berlin.close_of(ymd(2026, 10, 25)), utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(berlin.date_of(utc(2026, 10, 25, 1, 0)), ymd(2026, 10, 26));
}

// date_of(t) == D exactly when close_of(D - 1) <= t < close_of(D), minute by minute across both
// daylight-saving changes of 2026, for cutoffs in, beside and away from the changed hours.
TEST(BusinessCalendar, DateOfAgreesWithCloseOfAcrossDaylightSavingChanges) {
  struct zone_case {
    std::string_view zone;
    year_month_day spring;
    year_month_day autumn;
  };
  const zone_case zones[] = {
      {"America/New_York", ymd(2026, 3, 8), ymd(2026, 11, 1)},
      {"Europe/Berlin", ymd(2026, 3, 29), ymd(2026, 10, 25)},
      {"Asia/Shanghai", ymd(2026, 3, 8), ymd(2026, 11, 1)},
  };
  const config::time_of_day cutoffs[] = {{0, 0}, {1, 30}, {2, 0}, {2, 30}, {3, 0}, {23, 0}};
  for (const auto& z : zones) {
    for (const auto cutoff : cutoffs) {
      const auto cal = calendar(cutoff.hour, cutoff.minute, z.zone);
      for (const auto day : {z.spring, z.autumn}) {
        const instant from = instant{sys_days{day}} - days{2};
        for (instant t = from; t < from + days{4}; t += std::chrono::minutes{7}) {
          const auto date = cal.date_of(t);
          ASSERT_LE(cal.close_of(sys_days{date} - days{1}), t)
              << z.zone << " " << int{cutoff.hour} << ":" << int{cutoff.minute};
          ASSERT_LT(t, cal.close_of(date))
              << z.zone << " " << int{cutoff.hour} << ":" << int{cutoff.minute};
        }
      }
    }
  }
}

TEST(BusinessCalendar, UnknownZoneIsAnError) {
  for (const std::string_view zone : {"Mars/Olympus_Mons", "", "asia/shanghai", "../etc/passwd"}) {
    const auto made = business_calendar::make(config::time_of_day{23, 0}, zone);
    ASSERT_FALSE(made.has_value()) << zone;
    EXPECT_EQ(made.error(), calendar_error::time_zone_unknown) << zone;
  }
  EXPECT_EQ(to_string(calendar_error::time_zone_unknown), "time_zone_unknown");
}

TEST(BusinessCalendar, CutoffOutsideTheDayIsAnError) {
  for (const auto cutoff : {config::time_of_day{24, 0}, config::time_of_day{23, 60}}) {
    const auto made = business_calendar::make(cutoff, "UTC");
    ASSERT_FALSE(made.has_value());
    EXPECT_EQ(made.error(), calendar_error::cutoff_invalid);
  }
  EXPECT_EQ(to_string(calendar_error::cutoff_invalid), "cutoff_invalid");
}

TEST(BusinessDate, ParsesWhatFormatDateWrites) {
  const auto date = ymd(2026, 11, 21);
  const auto parsed = parse_business_date(protocol::format_date(date));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, date);
  EXPECT_EQ(parse_business_date("2028-02-29"), ymd(2028, 2, 29));
}

TEST(BusinessDate, ParseRefusesAnythingButAnExactRealDate) {
  for (const std::string_view text :
       {"", "2026-02-29", "2026-13-01", "2026-00-10", "2026-11-00", "2026-1-21", "2026/11/21",
        "20261121", "2026-11-21 ", " 2026-11-21", "+026-11-21", "2026-11-2x", "2026-11-21T00"}) {
    EXPECT_FALSE(parse_business_date(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sy::clearing
