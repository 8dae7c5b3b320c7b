// The typed layouts of the book of record: how each table's keys are built and how each record
// kind is encoded in its envelope's payload (docs/storage.md, "Tables"). Pure code, no I/O.
// Any incompatible change here bumps store::layout_version.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/payment.h"
#include "clearing/store/fingerprint.h"
#include "config/result.h"
#include "protocol/merchant_resources.h"

namespace sy::clearing::layout {

// Record kinds, per table; the envelope seals the kind, so a record read under the wrong kind is
// as corrupt as a bad checksum.
enum class kind : std::uint8_t {
  payment = 1,           // payments: payment id -> payment_record
  refund = 2,            // payments: refund id -> refund_record
  event = 1,             // events: payment id, event id -> payment_event
  journal_entry = 1,     // journal: business date, event id -> journal_entry
  idempotency = 1,       // idempotency: merchant, key -> idempotency_record
  expiry = 2,            // idempotency, nonces: expiry index entry (empty payload)
  channel_request = 1,   // saf: object id, request -> channel_request
  nonce = 1,             // nonces: key id, nonce -> nonce_record
  batch = 1,             // batches: "s", business date -> batch_record (a sealed date)
  batch_file = 2,        // batches: "f", date, run, file kind, party -> batch_file
  batch_members = 3,     // batches: "m", date, run, chunk number -> packed batch_member list
  discrepancy = 1,       // discrepancies: channel, business date, number -> discrepancy_record
  merchant_payment = 1,  // payment_index: merchant, payment id (empty payload)
  reference = 2,         // payment_index: merchant, reference, payment id (empty payload)
  sequence = 2,          // meta: "sequence", channel -> sequence_record (1 is the layout version)
};

constexpr std::uint8_t kind_byte(kind k) noexcept {
  return static_cast<std::uint8_t>(k);
}

// ---- keys --------------------------------------------------------------------------------
// Composite keys join their parts with a 0x00 byte, which no id, merchant id, idempotency key,
// nonce or merchant reference may contain (their parsers refuse control characters), so a part
// can never run into the next and a prefix of whole parts selects exactly their records.
// Times in keys are big-endian so byte order is time order.

// payments: "pay_..." or "re_..." (the text id).
std::string object_key(std::string_view id);
// events: payment id, 0x00, event id; a payment's events sort by time (event ids do).
std::string event_key(std::string_view payment_id, std::string_view event_id);
std::string events_of(std::string_view payment_id);  // the prefix of one payment's events
// journal: "YYYY-MM-DD", 0x00, event id.
std::string journal_key(std::chrono::year_month_day date, std::string_view event_id);
std::string journal_of(std::chrono::year_month_day date);  // the prefix of one business date
// idempotency: merchant id, 0x00, idempotency key.
std::string idempotency_key(std::string_view merchant_id, std::string_view key);
// nonces: merchant key id, 0x00, nonce.
std::string nonce_key(std::string_view key_id, std::string_view nonce);
// The expiry index of the idempotency and nonces tables: 0x00, expiry as u64 big-endian seconds,
// then the record's own key. No record key starts with 0x00, so prefix expiry_prefix() holds the
// index alone, in expiry order: a purge walks it from the start and stops at the first future one.
std::string expiry_key(std::chrono::sys_seconds expires_at, std::string_view record_key);
std::string_view expiry_prefix() noexcept;
// The record key inside an expiry index key, and its expiry; nullopt for a malformed key.
struct expiry_entry {
  std::chrono::sys_seconds expires_at{};
  std::string_view record_key;
};
std::optional<expiry_entry> parse_expiry_key(std::string_view key) noexcept;
// batches: "s", 0x00, "YYYY-MM-DD": the seal of a cleared date.
std::string batch_key(std::chrono::year_month_day date);
// batches: "f", 0x00, "YYYY-MM-DD", 0x00, run (16 hex digits), 0x00, "clearing" or "settlement",
// 0x00, party:
// the summary of one file of a clearing run.
std::string batch_file_key(std::chrono::year_month_day date, std::uint64_t run,
                           std::string_view file_kind, std::string_view party);
std::string batch_files_of(std::chrono::year_month_day date, std::uint64_t run);
// batches: "m", 0x00, "YYYY-MM-DD", 0x00, run, 0x00, chunk number (u32 big-endian): the journal
// entries a clearing run took, in order.
std::string batch_members_key(std::chrono::year_month_day date, std::uint64_t run,
                              std::uint32_t chunk);
std::string batch_members_of(std::chrono::year_month_day date, std::uint64_t run);
// discrepancies: channel id, 0x00, "YYYY-MM-DD", 0x00, number (u32 big-endian).
std::string discrepancy_key(std::string_view channel, std::chrono::year_month_day date,
                            std::uint32_t number);
std::string discrepancies_of(std::string_view channel, std::chrono::year_month_day date);
// payment_index: merchant id, 0x00, 'p', 0x00, payment id: a merchant's payments in id order.
std::string merchant_payment_key(std::string_view merchant_id, std::string_view payment_id);
std::string merchant_payments_of(std::string_view merchant_id);
// payment_index: merchant id, 0x00, 'r', 0x00, merchant reference, 0x00, payment id.
std::string reference_key(std::string_view merchant_id, std::string_view reference,
                          std::string_view payment_id);
std::string references_of(std::string_view merchant_id, std::string_view reference);
// meta: "sequence", 0x00, channel id: the channel's STAN and RRN high-water marks.
std::string sequence_key(std::string_view channel);
// The payment id at the end of a payment_index key (the last part).
std::string_view indexed_payment_id(std::string_view key) noexcept;

// ---- the store-and-forward table -------------------------------------------------------------

// Which request to a channel a record stands for.
enum class request_kind : std::uint8_t {
  payment,  // the payment's first request: 0100 authorization or 0200 sale (or a wallet charge)
  capture,  // 0220 completion advice
  void_,    // 0400 reversal of an authorization
  refund,   // 0200 with DE 3 200000 (or a wallet refund)
};

enum class request_state : std::uint8_t {
  // Written in the "sent" commit before the channel sees the request; erased by the commit of
  // its final state. Found at start-up, it is a request whose answer may have been lost: recovery
  // hands it to the reversal path.
  sent,
  // The channel accepted the request and will complete it later (a wallet provider's callback);
  // recovery leaves it alone.
  awaiting_completion,
  // To be reversed: store-and-forward sends 0400, then repeats 0420 until acknowledged.
  reversal_due,
};

std::string_view to_string(request_kind k) noexcept;
std::string_view to_string(request_state s) noexcept;

// saf: the object id ("pay_..." or "re_..."), 0x00, the request kind's name.
std::string channel_request_key(std::string_view object_id, request_kind k);

// One request to a channel whose final state is not yet in the book.
struct channel_request {
  request_kind kind = request_kind::payment;
  request_state state = request_state::sent;
  std::string channel;
  std::string merchant_id;
  std::string payment_id;
  std::optional<std::string> refund_id;  // refund requests
  // The merchant's idempotency key of the request that caused it, so the reversal path can
  // complete that record with the final answer; none for requests no merchant request made.
  std::optional<std::string> idempotency_key;
  std::string mti;  // "0200"; a wallet request's operation name
  std::optional<std::string> stan;
  std::optional<std::string> rrn;
  protocol::money amount;
  event_time sent_at{};
  // The card number as the HSM's PAN protection encrypted it (a reversal needs DE 2), never the
  // PAN itself; empty for wallets. Opaque here.
  std::string pan_ciphertext;
  std::uint32_t attempts = 0;    // reversal_due: reversals sent so far
  event_time next_attempt_at{};  // reversal_due: when to send the next one

  friend bool operator==(const channel_request&, const channel_request&) = default;
};

// The key `request` is filed under: its refund's id for a refund, else its payment's.
std::string channel_request_key(const channel_request& request);

// ---- records ---------------------------------------------------------------------------------

// A journal entry: an event with what clearing and settlement need beside it, so that clearing a
// date reads the journal alone (specs/clearing-files.md columns).
struct journal_entry {
  payment_event event;
  std::string merchant_id;
  std::optional<std::string> channel;  // none for a payment the switch declined itself
  protocol::payment_method_summary payment_method;

  friend bool operator==(const journal_entry&, const journal_entry&) = default;
};

enum class idempotency_state : std::uint8_t {
  in_progress,  // the first request with the key is running (or was, when the process stopped)
  complete,     // its final answer is stored
};

std::string_view to_string(idempotency_state s) noexcept;

// The idempotency record of specs/merchant-api.md: the first request's fingerprint and, once it
// completes, its status and body, replayed byte for byte.
struct idempotency_record {
  store::fingerprint128 fingerprint;
  idempotency_state state = idempotency_state::in_progress;
  std::string object_id;  // the payment or refund the request created or changed
  std::chrono::sys_seconds created_at{};
  std::chrono::sys_seconds expires_at{};
  std::uint16_t status = 0;  // complete: the HTTP status
  std::string body;          // complete: the response body

  friend bool operator==(const idempotency_record&, const idempotency_record&) = default;
};

// A request nonce seen for a merchant key (replay protection), kept until its window ends.
struct nonce_record {
  std::chrono::sys_seconds expires_at{};

  friend bool operator==(const nonce_record&, const nonce_record&) = default;
};

// ---- clearing batches (docs/clearing.md, "Batches") ------------------------------------------

// The totals of one currency in one file: detail rows and sums in minor units. A clearing file's
// amounts are its signed amounts (gross = net, fee 0); a settlement statement's are its columns.
struct currency_total {
  std::string currency;  // ISO 4217 alphabetic
  std::uint64_t row_count = 0;
  std::int64_t gross = 0;
  std::int64_t fee = 0;
  std::int64_t net = 0;

  friend bool operator==(const currency_total&, const currency_total&) = default;
};

enum class file_kind : std::uint8_t {
  clearing,    // clearing_<channel>_<YYYYMMDD>.csv
  settlement,  // settlement_<merchant>_<YYYYMMDD>.csv
};

std::string_view to_string(file_kind k) noexcept;

// One file of a sealed batch, as written: what the settlement team checks it against.
struct batch_file {
  file_kind kind = file_kind::clearing;
  std::string party;  // the channel or merchant id
  std::string file_name;
  std::uint64_t row_count = 0;         // detail rows
  std::uint64_t adjustment_count = 0;  // of them, events of an earlier sealed date
  std::vector<currency_total> totals;  // in currency order
  std::string sha256;                  // lower-case hex, as in the .sha256 companion

  friend bool operator==(const batch_file&, const batch_file&) = default;
};

// A cleared business date. Its run's member list names every journal entry the run took, so
// clearing the date again takes exactly those (byte-identical files) and an entry that reached
// the date later is told apart (an adjustment of the next date cleared).
struct batch_record {
  std::chrono::year_month_day business_date{};
  std::uint64_t run = 0;  // the clearing run that sealed it: its files' and members' key part
  std::chrono::sys_seconds sealed_at{};
  // No event can reach the date any more: it was sealed after its close and grace period, or a
  // later date's clearing has since taken its late events. Until then each clearing of a later
  // date looks for them.
  bool final = false;
  std::uint64_t member_count = 0;  // journal entries taken, adjustments included
  std::uint32_t chunk_count = 0;   // member list records
  std::uint32_t file_count = 0;    // batch_file records
  std::uint64_t adjustment_count = 0;

  friend bool operator==(const batch_record&, const batch_record&) = default;
};

// A journal entry a clearing run took: its business date and its event id's 16 bytes, so a
// member list compares with the journal's key order (date, then event id).
struct batch_member {
  std::chrono::year_month_day business_date{};
  std::array<std::uint8_t, 16> event{};

  friend auto operator<=>(const batch_member&, const batch_member&) = default;
};

// Members per list record: the records stay well under store_value_size_max.
inline constexpr std::size_t batch_member_size = 20;
inline constexpr std::size_t batch_members_per_chunk = 2048;

// ---- discrepancies (docs/clearing.md, "Discrepancies") ------------------------------------

enum class discrepancy_class : std::uint8_t {
  missing_at_bank,
  missing_at_switch,
  amount_mismatch,
  duplicate_at_bank,
};

std::string_view to_string(discrepancy_class c) noexcept;

// One record of a reconciliation that was not cleanly matched, and its handling by an operator.
struct discrepancy_record {
  discrepancy_class kind = discrepancy_class::missing_at_bank;
  std::string rrn;
  std::string stan;
  std::string event_type;
  std::optional<std::int64_t> switch_amount;
  std::optional<std::int64_t> bank_amount;
  std::string currency;
  std::string payment_id;  // empty when the switch has no record
  std::string detail;
  std::chrono::sys_seconds found_at{};
  // Resolution: empty resolved_by while open.
  std::string resolved_by;
  std::chrono::sys_seconds resolved_at{};
  std::string note;

  bool open() const noexcept { return resolved_by.empty(); }
  friend bool operator==(const discrepancy_record&, const discrepancy_record&) = default;
};

// The STAN and RRN high-water marks of one channel (routing/link/sequence_allocator.h), so
// numbers stay unique across restarts without a commit per request: every number at or below a
// mark may have been handed out, so a restart resumes above it (unused ones are skipped).
struct sequence_record {
  std::chrono::year_month_day stan_date{};  // the business date stan_mark counts in
  std::uint32_t stan_mark = 0;              // DE 11 reserved up to here on stan_date, <= 999999
  std::uint64_t rrn_mark = 0;               // DE 37 reserved up to here, ever, <= 999999999999

  friend bool operator==(const sequence_record&, const sequence_record&) = default;
};

// The largest STAN (n6) and RRN (12 digits of an12) a sequence record may hold.
inline constexpr std::uint32_t stan_max = 999'999;
inline constexpr std::uint64_t rrn_max = 999'999'999'999;

// Encoders never fail (the records come from the state machine). Decoders read a payload that
// came from disk: any truncation, trailing byte, out-of-range enumerator or unknown currency is
// store::errc::corrupt_record.
std::string encode(const payment_record& r);
std::string encode(const refund_record& r);
std::string encode(const payment_event& e);
std::string encode(const journal_entry& e);
std::string encode(const idempotency_record& r);
std::string encode(const channel_request& r);
std::string encode(const nonce_record& r);
std::string encode(const batch_record& r);
std::string encode(const batch_file& f);
std::string encode(std::span<const batch_member> members);
std::string encode(const discrepancy_record& r);
std::string encode(const sequence_record& r);

result<payment_record> decode_payment(std::string_view payload);
result<refund_record> decode_refund(std::string_view payload);
result<payment_event> decode_event(std::string_view payload);
result<journal_entry> decode_journal_entry(std::string_view payload);
// The same into `into`, whose strings keep their storage (a reader of a date's journal reuses its
// entries, and decodes without allocating); on an error `into` holds part of the record.
result<void> decode_journal_entry_into(std::string_view payload, journal_entry& into);
result<idempotency_record> decode_idempotency(std::string_view payload);
result<channel_request> decode_channel_request(std::string_view payload);
result<nonce_record> decode_nonce(std::string_view payload);
result<batch_record> decode_batch(std::string_view payload);
result<batch_file> decode_batch_file(std::string_view payload);
// Also corrupt_record: a size that is not a whole number of members, or members out of order.
result<std::vector<batch_member>> decode_batch_members(std::string_view payload);
result<discrepancy_record> decode_discrepancy(std::string_view payload);
// Also corrupt_record: a mark above stan_max or rrn_max.
result<sequence_record> decode_sequence(std::string_view payload);

}  // namespace sy::clearing::layout
