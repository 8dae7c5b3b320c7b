// The typed layouts of the book of record: how each table's keys are built and how each record
// kind is encoded in its envelope's payload (docs/storage.md, "Tables"). Pure code, no I/O.
// Any incompatible change here bumps store::layout_version.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  batch = 1,             // batches: channel, business date -> batch_record
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
// batches: channel id, 0x00, "YYYY-MM-DD".
std::string batch_key(std::string_view channel, std::chrono::year_month_day date);
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

enum class batch_state : std::uint8_t {
  written,    // the clearing file is written, fsync'd and renamed
  presented,  // delivered to the channel
};

std::string_view to_string(batch_state s) noexcept;

// A clearing batch: one channel's clearing file for one business date (specs/clearing-files.md).
struct batch_record {
  std::string channel;
  std::chrono::year_month_day business_date{};
  batch_state state = batch_state::written;
  std::string file_name;
  std::uint64_t row_count = 0;
  std::int64_t amount_total = 0;  // the trailer's signed sum, in minor units
  std::string sha256;             // hex, as in the file's .sha256 companion
  std::chrono::sys_seconds written_at{};

  friend bool operator==(const batch_record&, const batch_record&) = default;
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
std::string encode(const sequence_record& r);

result<payment_record> decode_payment(std::string_view payload);
result<refund_record> decode_refund(std::string_view payload);
result<payment_event> decode_event(std::string_view payload);
result<journal_entry> decode_journal_entry(std::string_view payload);
result<idempotency_record> decode_idempotency(std::string_view payload);
result<channel_request> decode_channel_request(std::string_view payload);
result<nonce_record> decode_nonce(std::string_view payload);
result<batch_record> decode_batch(std::string_view payload);
// Also corrupt_record: a mark above stan_max or rrn_max.
result<sequence_record> decode_sequence(std::string_view payload);

}  // namespace sy::clearing::layout
