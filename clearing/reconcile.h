// Reconciliation (specs/clearing-files.md): a bank's settlement file, streamed through the
// channel's column mapping, against what the switch cleared to that channel for the date. Every
// record is classified, the report recon_<channel>_<YYYYMMDD>.csv lists those not cleanly
// matched, and the discrepancies are stored for operators (docs/clearing.md, "Discrepancies").
// Blocking file and store work, like clearing.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "clearing/cutoff.h"
#include "clearing/layout.h"

namespace sy::clearing {

// recon_<channel>_<YYYYMMDD>.csv and its header row.
std::string recon_file_name(std::string_view channel, std::chrono::year_month_day date);
inline constexpr std::string_view recon_header =
    "class,rrn,stan,event_type,switch_amount,bank_amount,currency,payment_id,detail";

struct reconcile_request {
  std::string channel;  // a configured channel (its settlement_columns map the file)
  std::chrono::year_month_day business_date{};
  std::string bank_file;  // path
};

struct reconcile_summary {
  std::uint64_t matched = 0;
  // By layout::discrepancy_class.
  std::array<std::uint64_t, 4> discrepancies{};
  std::uint64_t bank_rows = 0;
  std::uint64_t switch_records = 0;
  std::string report_path;
  // Stored for operators: new ones, and open ones an earlier run found that this one no longer
  // finds (closed by the run, with a note).
  std::uint64_t stored_new = 0;
  std::uint64_t closed = 0;

  bool clean() const noexcept {
    return discrepancies[0] + discrepancies[1] + discrepancies[2] + discrepancies[3] == 0;
  }
};

// Reconciles `request` at `now` (the found_at of new discrepancies). The date must be sealed
// (cleared). Memory: an index of the switch's records for the channel and date; the bank's file
// is streamed. Reconciling a date again keeps the discrepancies found before (their numbers and
// any resolution), adds new ones, and closes open ones no longer found.
// Errors: not_cleared when the date is not sealed yet; bad_input for an
// unknown channel, a bad mapping or a bank file refused by clearing/bank_file.h (the message
// names its line and column; no report is published and nothing is stored); store_failed;
// output_failed.
result<reconcile_summary, clearing_error> reconcile(const clearing_context& ctx,
                                                    const reconcile_request& request,
                                                    std::chrono::sys_seconds now);

}  // namespace sy::clearing
