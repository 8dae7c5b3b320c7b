// The files of one business date's clearing run (specs/clearing-files.md): a clearing file per
// channel and a settlement statement per merchant, written from the presented events in order,
// with their trailers and digests. File output only: which events are presented, and their fees,
// are decided by the caller (clearing/cutoff.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clearing/layout.h"
#include "clearing/output_file.h"
#include "config/limits.h"
#include "config/result.h"

namespace sy::clearing {

// clearing_<channel>_<YYYYMMDD>.csv and settlement_<merchant>_<YYYYMMDD>.csv.
std::string clearing_file_name(std::string_view channel, std::chrono::year_month_day date);
std::string settlement_file_name(std::string_view merchant, std::chrono::year_month_day date);

// The header rows, in the spec's column order.
inline constexpr std::string_view clearing_header =
    "record_type,business_date,channel,merchant_id,payment_id,event_id,event_type,amount,currency,"
    "rrn,stan,authorization_code,response_code,card_bin,card_last4,event_time";
inline constexpr std::string_view settlement_header =
    "record_type,business_date,merchant_id,payment_id,event_id,event_type,channel,gross_amount,"
    "fee_amount,net_amount,currency,card_brand,event_time";

// "2026-11-21T14:03:07.123Z": the event_time column.
std::string format_event_time(std::chrono::sys_time<std::chrono::milliseconds> t);

// One presented event: a row in its channel's clearing file and in its merchant's statement.
struct presented_event {
  const layout::journal_entry* entry = nullptr;  // approved sale, capture or refund, with a channel
  std::int64_t amount = 0;  // signed: positive for sale and capture, negative for refund
  std::int64_t fee = 0;     // signed, as the statement shows it (net = amount - fee)
  bool adjustment = false;  // an event of an earlier, sealed date taken by this one
};

// Writes a run's files under temporary names in `dir`; publish() puts them in place. Events must
// come in the spec's order within each channel (business timestamp, then id), which is journal
// order: adjustments (earlier dates) first. Every channel and merchant named at open gets a file,
// even when it had nothing that day; one first seen in the events gets one too.
class batch_writer {
  // Heterogeneous lookup by string_view: an event's merchant id needs no copy to find it.
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

 public:
  // `run` tells this run's temporary files from a concurrent run's; statement rows held in
  // memory beyond `segment_memory_max` bytes go to their statement's file when they are its first
  // channel's, else they spill to a temporary file. The files are hashed and
  // written on a thread of the writer's own, with at most as many bytes again waiting for it.
  // Errors: as output_file.
  static result<std::unique_ptr<batch_writer>> open(
      std::string dir, std::chrono::year_month_day date, std::uint64_t run,
      std::span<const std::string> channels, std::span<const std::string> merchants,
      std::size_t segment_memory_max = limits::clearing_segment_memory_max);
  ~batch_writer();
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;

  // Errors: the errno of a failing write (a statement segment's spill).
  result<void> add(const presented_event& event);

  // Writes the trailers, fsyncs every file and returns their summaries, clearing files first,
  // each kind in party order. Nothing is in place yet. Errors: the first failing write or fsync.
  result<std::vector<layout::batch_file>> finish();

  // After finish(): renames every file into place with its .sha256 (and .sig when `sign` is
  // set). Errors: the first failure (files before it are in place; clearing the date again
  // completes the set).
  result<void> publish(const file_signer* sign = nullptr);

 private:
  struct channel_file;
  struct segment;
  struct statement;
  struct spill_file;
  batch_writer(std::string dir, std::chrono::year_month_day date, std::uint64_t run,
               std::size_t segment_memory_max);
  result<channel_file*> channel(std::string_view id);
  result<statement*> merchant(std::string_view id);
  result<void> spill_segments();
  result<void> spill(segment& seg);
  // The statement's file with its header and detail rows, in channel order.
  result<output_file> statement_rows(statement& s);
  result<void> unspill(std::uint64_t offset, std::size_t size, output_file& out);

  // First, so it outlives every file it writes for.
  std::unique_ptr<file_io> io_;
  std::string dir_;
  std::chrono::year_month_day date_;
  std::string date_text_;  // YYYY-MM-DD
  std::string tag_;        // the run, for temporary names
  std::map<std::string, std::unique_ptr<channel_file>, std::less<>> channels_;
  // Looked up per event, so hashed; ordered only when the statements are written.
  std::unordered_map<std::string, std::unique_ptr<statement>, string_hash, std::equal_to<>>
      merchants_;
  channel_file* last_channel_ = nullptr;  // events come in runs of one channel and merchant
  statement* last_merchant_ = nullptr;
  std::unique_ptr<spill_file> spill_;  // once the segments first outgrow their memory
  std::vector<output_file> finished_;  // the statements, once finish() wrote them
  std::size_t segment_memory_max_;
  std::size_t segment_bytes_ = 0;  // held in memory across every statement's segments
  std::string row_;                // scratch
  std::string other_date_;         // scratch: an adjustment's business_date column
  std::string time_;               // scratch: the event_time column of both rows
};

}  // namespace sy::clearing
