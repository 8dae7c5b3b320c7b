// The book of record's typed face over the store: decoded reads, and the unit of work of each
// step of a payment, so that the gateway, the channels and clearing all write the same records
// the same way (docs/storage.md, "Units of work"). Building a unit is pure; the caller submits
// it to the store::writer and answers only once it is durable.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/layout.h"
#include "clearing/payment.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/result.h"
#include "protocol/merchant_requests.h"

namespace sy::clearing {

// The merchant request a step belongs to, for its idempotency record (specs/merchant-api.md).
struct merchant_request {
  std::string merchant_id;
  std::string idempotency_key;
  store::fingerprint128 fingerprint;  // store::fingerprint(method, path, body)
  std::chrono::sys_seconds received_at{};
  std::chrono::sys_seconds expires_at{};  // received_at + [storage] idempotency_retention_h
  // The payment or refund the request creates or changes.
  std::string object_id;
};

// The final answer to a merchant request, stored for byte-for-byte replay.
struct stored_response {
  std::uint16_t status = 0;
  std::string body;
};

// The idempotency record of `request` while it runs, exactly as the "sent" step stores it.
layout::idempotency_record in_progress_record(const merchant_request& request);

// ---- steps: each returns the one atomic unit of work of a step ----------------------------------

// The "sent" commit, before the channel sees the request: the merchant request's idempotency
// record (in progress), the payment's new state and the channel request. For a new payment
// (`before` empty) also its index entries; for a refund, the new refund record.
// Preconditions in the unit: the idempotency key is new (key_exists: the same key is already
// in use: replay or 409), the payment is new or exactly `before` (record_changed: another request
// changed it meanwhile), the refund and the channel request are new.
struct sent_step {
  merchant_request merchant;
  std::optional<payment_record> before;  // empty: `payment` is new
  payment_record payment;
  std::optional<refund_record> refund;  // a refund begun
  layout::channel_request request;      // state sent
};
store::unit_of_work sent(const sent_step& step);

// What becomes of the channel request when its step completes.
enum class request_end : std::uint8_t {
  answered,             // erased: the request is final
  awaiting_completion,  // kept, marked awaiting_completion: the channel completes it later
  reversal_due,         // kept, marked reversal_due: store-and-forward reverses it
};

// The final commit of a request sent: the payment (and refund) in their new state, the event in
// the events table and the journal, the channel request erased or re-marked, and, when a
// merchant request waits on it, its idempotency record completed with the stored response.
// Every record replaced must still be exactly as read (record_changed otherwise): a late answer
// racing a timeout cannot both commit.
struct final_step {
  payment_record before;
  payment_record payment;
  std::optional<refund_record> refund_before;
  std::optional<refund_record> refund;
  std::optional<payment_event> event;  // none while the channel has yet to complete it
  layout::channel_request request;     // as stored
  request_end end = request_end::answered;
  event_time next_attempt_at{};                // reversal_due: when to send the reversal
  std::optional<merchant_request> merchant{};  // the request waiting on this answer, if any
  std::optional<stored_response> response{};   // with `merchant`
};
store::unit_of_work finished(const final_step& step);

// A new payment decided without a channel (the switch's own risk decline, no route): the
// payment in its final state, its event, index entries, and the completed idempotency record,
// in one commit.
store::unit_of_work decided(const merchant_request& merchant, const payment_transition& decided,
                            const stored_response& response);

// A merchant request answered without changing any payment (a refused transition): only its
// completed idempotency record, so a retry replays the same answer.
store::unit_of_work answered(const merchant_request& merchant, const stored_response& response);

// A request nonce of `key_id` seen at `expires_at - window`: key_exists when it was seen before.
store::unit_of_work remember_nonce(std::string_view key_id, std::string_view nonce,
                                   std::chrono::sys_seconds expires_at);

// ---- clearing (clearing/cutoff.h) ----

// A clearing run's records before its seal: its file summaries and part of its member list
// (`member_chunks`, each layout::encode of up to batch_members_per_chunk members, numbered from
// `first_chunk`), packed into units of at most limits::store_unit_op_count_max puts. The keys
// carry the run, so a run that never seals leaves records no seal names (erase_batch_records
// removes them).
std::vector<store::unit_of_work> batch_parts(std::chrono::year_month_day date, std::uint64_t run,
                                             std::span<const layout::batch_file> files,
                                             std::span<const std::string> member_chunks,
                                             std::uint32_t first_chunk);

// The seal of `seal.business_date`, and the earlier sealed dates whose late events this run took
// moved to final (each `before` exactly as read): one unit. key_exists: another run sealed the
// date first; record_changed: another run finalized an earlier date meanwhile.
// Precondition: finalized.size() < limits::store_unit_op_count_max (SY_VERIFY).
struct finalized_batch {
  layout::batch_record before;
  layout::batch_record after;
};
store::unit_of_work seal_batch(const layout::batch_record& seal,
                               std::span<const finalized_batch> finalized);

// Erases the records of `keys` in the batches table (a run's leftovers), in units of at most
// limits::store_unit_op_count_max.
std::vector<store::unit_of_work> erase_batch_records(std::span<const std::string> keys);

// A discrepancy found (`before` empty: new, key_exists when the number is taken) or resolved
// (`before`: exactly as read).
store::unit_of_work record_discrepancy(std::string_view channel, std::chrono::year_month_day date,
                                       std::uint32_t number, const layout::discrepancy_record& d,
                                       const std::optional<layout::discrepancy_record>& before);

// A channel's STAN and RRN high-water marks moved on: written new (`before` empty: the channel's
// first reservation) or over exactly the record read (`before`). key_exists or record_changed:
// another allocator for the channel reserved meanwhile (two processes on one store is a bug in
// the deployment), so the caller must not hand out the numbers it meant to reserve.
store::unit_of_work reserve_sequence(std::string_view channel, const layout::sequence_record& next,
                                     const std::optional<layout::sequence_record>& before);

// ---- reads ------------------------------------------------------------------------------------

// A page of a merchant's payments, newest first.
struct payment_page {
  std::vector<payment_record> data;
  bool has_more = false;
};

// A request to a channel whose final state is not in the book, as stored.
struct open_request {
  std::string key;
  layout::channel_request request;
};

// The channel request as finished(step) keeps it, for a step that does not answer it
// (awaiting_completion, reversal_due): what bank_link::add_reversal takes once it is durable.
// Precondition: step.end is not answered (SY_VERIFY).
open_request kept_request(const final_step& step);

// Decoded reads. Every function returns store::errc::corrupt_record for a record that fails its
// envelope or layout check (a wrong kind included), and passes on the environment's errors
// (an lmdb_category code, errc::injected_failure). Reads are short and never span an await.
class book {
 public:
  explicit book(const store::environment& env) noexcept : env_(env) {}

  // Errors: errc::not_found.
  result<payment_record> payment(std::string_view payment_id) const;
  // Errors: errc::not_found.
  result<refund_record> refund(std::string_view refund_id) const;
  // A payment's events in the order they happened (event ids are time-ordered).
  result<std::vector<payment_event>> events(std::string_view payment_id) const;
  // nullopt when the merchant never used the key (or it was purged).
  result<std::optional<layout::idempotency_record>> idempotency(std::string_view merchant_id,
                                                                std::string_view key) const;
  // GET /v1/payments: the merchant's payments, newest first, optionally only those with
  // query.merchant_reference, starting after query.starting_after (a payment id).
  result<payment_page> payments_of(std::string_view merchant_id,
                                   const protocol::list_query& query) const;
  // A business date's journal in event-id order, a page of at most `limit` entries after the
  // event id `after` (empty: from the start).
  result<std::vector<layout::journal_entry>> journal(std::chrono::year_month_day date,
                                                     std::string_view after,
                                                     std::size_t limit) const;
  // The same page into `page`, whose entries are reused (their strings keep their storage) and
  // which ends up holding just the page's entries.
  result<void> journal(std::chrono::year_month_day date, std::string_view after, std::size_t limit,
                       std::vector<layout::journal_entry>& page) const;

  // One journal entry; errc::not_found when the date's journal has no such event.
  result<layout::journal_entry> journal_entry(std::chrono::year_month_day date,
                                              std::string_view event_id) const;

  // The seal of a cleared date; nullopt when the date was never sealed.
  result<std::optional<layout::batch_record>> batch(std::chrono::year_month_day date) const;
  // The sealed dates from `from` to `to` inclusive, in date order.
  result<std::vector<layout::batch_record>> batches(std::chrono::year_month_day from,
                                                    std::chrono::year_month_day to) const;
  // The file summaries of a run, clearing files first, each kind in party order.
  result<std::vector<layout::batch_file>> batch_files(std::chrono::year_month_day date,
                                                      std::uint64_t run) const;
  // Chunk `chunk` of a run's member list. Errors: errc::not_found past the last chunk.
  result<std::vector<layout::batch_member>> batch_members(std::chrono::year_month_day date,
                                                          std::uint64_t run,
                                                          std::uint32_t chunk) const;
  // Every batches-table key under `prefix` (a run's leftovers, for erase_batch_records).
  result<std::vector<std::string>> batch_keys(std::string_view prefix) const;

  // A channel's discrepancies for a date, in number order, with their numbers.
  struct numbered_discrepancy {
    std::uint32_t number = 0;
    layout::discrepancy_record record;
  };
  result<std::vector<numbered_discrepancy>> discrepancies(std::string_view channel,
                                                          std::chrono::year_month_day date) const;
  // Every stored discrepancy, for `discrepancies list`: channel, date and number with each.
  struct filed_discrepancy {
    std::string channel;
    std::chrono::year_month_day business_date{};
    std::uint32_t number = 0;
    layout::discrepancy_record record;
  };
  result<std::vector<filed_discrepancy>> all_discrepancies() const;

  // The channel's STAN and RRN marks; nullopt when it never reserved any.
  result<std::optional<layout::sequence_record>> sequence(std::string_view channel) const;

  // Recovery on open: the requests sent to a channel whose final state never committed (the
  // process stopped in between), for the reversal path. Requests awaiting a channel's later
  // completion (a wallet refund) and reversals already due are not in it.
  result<std::vector<open_request>> unanswered() const;
  // Reversals due, for store-and-forward.
  result<std::vector<open_request>> reversals_due() const;
  // Requests a channel accepted and completes later (a wallet provider's callback), for the
  // status queries that recover a lost callback.
  result<std::vector<open_request>> awaiting_completion() const;

  // Units that erase up to `limit` idempotency records and nonces whose expiry is at or before
  // `now`, one unit per record (record and index entry together, the record only if unchanged,
  // so a key reused meanwhile survives). Off the hot path: the caller submits them to the writer
  // at its own pace and calls again until fewer than `limit` come back.
  result<std::vector<store::unit_of_work>> expired(std::chrono::sys_seconds now,
                                                   std::size_t limit) const;

 private:
  result<std::vector<open_request>> requests_in(layout::request_state state) const;

  const store::environment& env_;
};

}  // namespace sy::clearing
