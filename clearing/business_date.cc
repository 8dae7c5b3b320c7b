// Business dates over Howard Hinnant's tz library (GCC 12's libstdc++ has no std::chrono zones):
// local wall-clock arithmetic for the first guess, close_of as the single source of truth.
#include "clearing/business_date.h"

#include <date/tz.h>

#include <exception>

#include "config/assert.h"

namespace sy::clearing {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;

// std::chrono and date spell days with different representations; convert through the count.
date::local_days to_local_days(std::chrono::year_month_day ymd) {
  return date::local_days{date::days{sys_days{ymd}.time_since_epoch().count()}};
}

std::chrono::year_month_day to_year_month_day(date::local_days local) {
  return std::chrono::year_month_day{sys_days{days{local.time_since_epoch().count()}}};
}

bool is_digits(std::string_view text) noexcept {
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view digits) noexcept {
  int value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

std::string_view to_string(calendar_error e) noexcept {
  switch (e) {
    case calendar_error::time_zone_unknown:
      return "time_zone_unknown";
    case calendar_error::cutoff_invalid:
      return "cutoff_invalid";
  }
  return {};
}

result<business_calendar, calendar_error> business_calendar::make(config::time_of_day cutoff,
                                                                  std::string_view time_zone) {
  if (cutoff.hour > 23 || cutoff.minute > 59) return calendar_error::cutoff_invalid;
  const date::time_zone* zone = nullptr;
  // date::locate_zone reports an unknown name (or an unreadable database) by throwing; this runs
  // at start-up, where DESIGN.md allows exceptions, and turns them into a value here.
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    return calendar_error::time_zone_unknown;
  }
  minutes offset = std::chrono::hours{cutoff.hour} + minutes{cutoff.minute};
  if (offset == minutes{0}) offset = days{1};  // a midnight cutoff ends the date it closes
  return business_calendar(zone, offset);
}

std::chrono::sys_seconds business_calendar::close_of(std::chrono::year_month_day date) const {
  SY_ASSERT(date.ok());
  const auto local = date::local_seconds{to_local_days(date)} + close_offset_;
  // `earliest` picks the first of a repeated wall-clock time and, for a skipped one, the instant
  // of the jump: both are the first moment the local clock reads the cutoff or later.
  return zone_->to_sys(local, date::choose::earliest);
}

std::chrono::year_month_day business_calendar::date_of(
    std::chrono::sys_time<std::chrono::milliseconds> instant) const {
  // The date whose close is the first one after the local time; the local clock can read the same
  // time twice when it falls back, so check against close_of, which decides.
  const auto local = zone_->to_local(instant);
  auto date = to_year_month_day(date::floor<date::days>(local - close_offset_) + date::days{1});
  if (instant >= close_of(date)) date = sys_days{date} + days{1};
  SY_ASSERT(instant >= close_of(sys_days{date} - days{1}));
  return date;
}

std::chrono::local_seconds business_calendar::local_time_of(
    std::chrono::sys_seconds instant) const {
  const auto local = zone_->to_local(instant);
  return std::chrono::local_seconds{local.time_since_epoch()};
}

std::optional<std::chrono::year_month_day> parse_business_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view y = text.substr(0, 4);
  const std::string_view m = text.substr(5, 2);
  const std::string_view d = text.substr(8, 2);
  if (!is_digits(y) || !is_digits(m) || !is_digits(d)) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{to_int(y)},
                                         std::chrono::month{static_cast<unsigned>(to_int(m))},
                                         std::chrono::day{static_cast<unsigned>(to_int(d))}};
  if (!date.ok()) return std::nullopt;
  return date;
}

}  // namespace sy::clearing
