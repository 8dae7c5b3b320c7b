// Business dates (specs/clearing-files.md): which date an instant belongs to under the configured
// cutoff and IANA time zone, and the UTC instant at which a date closes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/config.h"
#include "config/result.h"

namespace date {
class time_zone;
}  // namespace date

namespace sy::clearing {

enum class calendar_error : std::uint8_t {
  time_zone_unknown,  // not a zone (or link) in the system's time zone database
  cutoff_invalid,     // hour above 23 or minute above 59
};

std::string_view to_string(calendar_error e) noexcept;

// The business calendar of one switch: the cutoff (local wall-clock time) and the zone, looked up
// once. A date D runs from the close of D - 1 (inclusive) to its own close (exclusive), so an event
// at or after a cutoff belongs to the next date. The close of D is D's local cutoff time, except
// that a cutoff of 00:00 means the midnight that ends D (then business dates are calendar dates).
// Across daylight-saving changes a cutoff that does not exist that day (clocks jump over it) closes
// the date at the jump; a cutoff that happens twice (clocks fall back) closes it the first time.
// Immutable and cheap to copy; safe to share between threads.
class business_calendar {
 public:
  // Looks the zone up in the system's tz database; start-up code (the lookup may read files).
  // Errors: time_zone_unknown, cutoff_invalid.
  static result<business_calendar, calendar_error> make(config::time_of_day cutoff,
                                                        std::string_view time_zone);

  // The business date in force at `instant`.
  std::chrono::year_month_day date_of(
      std::chrono::sys_time<std::chrono::milliseconds> instant) const;

  // The switch's local wall-clock time at `instant`: DE 12/13 of the requests it sends.
  std::chrono::local_seconds local_time_of(std::chrono::sys_seconds instant) const;

  // The instant `date` closes: every event before it and at or after the previous date's close
  // belongs to `date`.
  std::chrono::sys_seconds close_of(std::chrono::year_month_day date) const;

 private:
  business_calendar(const date::time_zone* zone, std::chrono::minutes close_offset) noexcept
      : zone_(zone), close_offset_(close_offset) {}

  const date::time_zone* zone_;        // owned by the process-wide tz database, never freed
  std::chrono::minutes close_offset_;  // from the local midnight starting a date: (0, 24 h]
};

// "2026-11-21" (as protocol::format_date writes it) back to a date; nullopt unless the text is
// exactly YYYY-MM-DD and a real calendar date. For dates from outside (command line, bank files).
std::optional<std::chrono::year_month_day> parse_business_date(std::string_view text) noexcept;

}  // namespace sy::clearing
