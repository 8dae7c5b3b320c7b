// Encoding and decoding of the book's keys and records. Each record is its fields in declaration
// order with the primitives of store/bytes.h; docs/storage.md lists them.
#include "clearing/layout.h"

#include <algorithm>
#include <array>

#include "clearing/store/bytes.h"
#include "clearing/store/errc.h"
#include "config/assert.h"
#include "protocol/enum_names.h"

namespace sy::clearing::layout {
namespace {

using store::byte_reader;
using store::byte_writer;

constexpr char separator = '\0';

constexpr std::array<std::string_view, 4> request_kind_names{"payment", "capture", "void",
                                                             "refund"};
constexpr std::array<std::string_view, 3> request_state_names{"sent", "awaiting_completion",
                                                              "reversal_due"};
constexpr std::array<std::string_view, 2> idempotency_state_names{"in_progress", "complete"};
constexpr std::array<std::string_view, 2> file_kind_names{"clearing", "settlement"};
constexpr std::array<std::string_view, 4> discrepancy_class_names{
    "missing_at_bank", "missing_at_switch", "amount_mismatch", "duplicate_at_bank"};

// Parts of a composite key come from validated requests and config; a separator inside one
// would let two keys collide, so it is a bug to get here with one.
void append_part(std::string& key, std::string_view part) {
  SY_VERIFY(part.find(separator) == std::string_view::npos);
  key.append(part);
}

std::string join(std::initializer_list<std::string_view> parts) {
  std::string key;
  bool first = true;
  for (const auto part : parts) {
    if (!first) key.push_back(separator);
    append_part(key, part);
    first = false;
  }
  return key;
}

// ---- field groups shared by several records ----

void put_time(byte_writer& w, event_time t) {
  w.i64(t.time_since_epoch().count());
}
event_time get_time(byte_reader& r) {
  return event_time{std::chrono::milliseconds{r.i64()}};
}

void put_seconds(byte_writer& w, std::chrono::sys_seconds t) {
  w.i64(t.time_since_epoch().count());
}
std::chrono::sys_seconds get_seconds(byte_reader& r) {
  return std::chrono::sys_seconds{std::chrono::seconds{r.i64()}};
}

void put_date(byte_writer& w, std::chrono::year_month_day d) {
  w.i64(std::chrono::sys_days{d}.time_since_epoch().count());
}
std::chrono::year_month_day get_date(byte_reader& r) {
  const std::int64_t days = r.i64();
  // Outside +-1 million days a year would overflow std::chrono::year's range.
  if (days < -1'000'000 || days > 1'000'000) {
    r.fail();
    return {};
  }
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days}}};
}

void put_money(byte_writer& w, const protocol::money& m) {
  w.i64(m.amount);
  w.text(m.currency.code());
}
protocol::money get_money(byte_reader& r) {
  protocol::money m;
  m.amount = r.i64();
  const auto currency = protocol::find_currency(r.text());
  if (!currency) {
    r.fail();
    return m;
  }
  m.currency = *currency;
  return m;
}

void put_method(byte_writer& w, const protocol::payment_method_summary& method) {
  w.u8(static_cast<std::uint8_t>(method.index()));
  if (const auto* card = std::get_if<protocol::card_summary>(&method)) {
    w.enumerator(card->brand);
    w.text(card->bin);
    w.text(card->last4);
    w.u8(card->exp_month);
    w.u16(card->exp_year);
  } else {
    const auto& wallet = std::get<protocol::wallet_details>(method);
    w.text(wallet.provider);
    w.text(wallet.account);
  }
}
// Into `into`, reusing the strings of the alternative it already holds.
void get_method_into(byte_reader& r, protocol::payment_method_summary& into) {
  const std::uint8_t index = r.u8();
  if (index == 0) {
    auto* card = std::get_if<protocol::card_summary>(&into);
    if (card == nullptr) card = &into.emplace<protocol::card_summary>();
    card->brand = r.enumerator(protocol::card_brand::diners);
    r.text_into(card->bin);
    r.text_into(card->last4);
    card->exp_month = r.u8();
    card->exp_year = r.u16();
    return;
  }
  if (index != 1) r.fail();
  auto* wallet = std::get_if<protocol::wallet_details>(&into);
  if (wallet == nullptr) wallet = &into.emplace<protocol::wallet_details>();
  r.text_into(wallet->provider);
  r.text_into(wallet->account);
}
protocol::payment_method_summary get_method(byte_reader& r) {
  protocol::payment_method_summary method;
  get_method_into(r, method);
  return method;
}

void put_decline(byte_writer& w, const std::optional<protocol::decline>& d) {
  w.boolean(d.has_value());
  if (d) w.enumerator(*d);
}
std::optional<protocol::decline> get_decline(byte_reader& r) {
  return r.optional([&] { return r.enumerator(protocol::decline::merchant_frozen); });
}

void put_change(byte_writer& w, const std::optional<pending_change>& c) {
  w.boolean(c.has_value());
  if (!c) return;
  w.enumerator(c->kind);
  w.i64(c->amount);
  w.optional_text(c->rrn);
  w.optional_text(c->stan);
}
std::optional<pending_change> get_change(byte_reader& r) {
  return r.optional([&] {
    pending_change c;
    c.kind = r.enumerator(change_kind::void_);
    c.amount = r.i64();
    c.rrn = r.optional_text();
    c.stan = r.optional_text();
    return c;
  });
}

void put_event(byte_writer& w, const payment_event& e) {
  w.text(e.id);
  w.text(e.payment_id);
  w.optional_text(e.refund_id);
  w.enumerator(e.type);
  w.enumerator(e.result);
  put_money(w, e.amount);
  w.optional_text(e.authorization_code);
  w.optional_text(e.response_code);
  put_decline(w, e.decline_code);
  w.optional_text(e.rrn);
  w.optional_text(e.stan);
  put_time(w, e.time);
  put_date(w, e.business_date);
}
void get_event_into(byte_reader& r, payment_event& e) {
  r.text_into(e.id);
  r.text_into(e.payment_id);
  r.optional_text_into(e.refund_id);
  e.type = r.enumerator(event_type::reversal);
  e.result = r.enumerator(event_result::failed);
  e.amount = get_money(r);
  r.optional_text_into(e.authorization_code);
  r.optional_text_into(e.response_code);
  e.decline_code = get_decline(r);
  r.optional_text_into(e.rrn);
  r.optional_text_into(e.stan);
  e.time = get_time(r);
  e.business_date = get_date(r);
}
payment_event get_event(byte_reader& r) {
  payment_event e;
  get_event_into(r, e);
  return e;
}

template <class T, class F>
std::string encoded(const T& value, F put) {
  std::string out;
  out.reserve(256);
  byte_writer w(out);
  put(w, value);
  return out;
}

// Runs `get` over the whole payload: a record is valid only if every byte was consumed.
template <class F>
auto decoded(std::string_view payload, F get)
    -> result<decltype(get(std::declval<byte_reader&>()))> {
  byte_reader r(payload);
  auto value = get(r);
  if (!r.done()) return store::errc::corrupt_record;
  return value;
}

void put_big_endian(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string_view to_string(request_kind k) noexcept {
  return protocol::name_of(request_kind_names, k);
}
std::string_view to_string(request_state s) noexcept {
  return protocol::name_of(request_state_names, s);
}
std::string_view to_string(idempotency_state s) noexcept {
  return protocol::name_of(idempotency_state_names, s);
}
std::string_view to_string(file_kind k) noexcept {
  return protocol::name_of(file_kind_names, k);
}

std::string_view to_string(discrepancy_class c) noexcept {
  return protocol::name_of(discrepancy_class_names, c);
}

// ---- keys ----

std::string object_key(std::string_view id) {
  return join({id});
}

std::string event_key(std::string_view payment_id, std::string_view event_id) {
  return join({payment_id, event_id});
}

std::string events_of(std::string_view payment_id) {
  return join({payment_id, ""});
}

std::string journal_key(std::chrono::year_month_day date, std::string_view event_id) {
  return join({protocol::format_date(date), event_id});
}

std::string journal_of(std::chrono::year_month_day date) {
  return join({protocol::format_date(date), ""});
}

std::string idempotency_key(std::string_view merchant_id, std::string_view key) {
  return join({merchant_id, key});
}

std::string nonce_key(std::string_view key_id, std::string_view nonce) {
  return join({key_id, nonce});
}

std::string expiry_key(std::chrono::sys_seconds expires_at, std::string_view record_key) {
  std::string key(1, separator);
  put_big_endian(key, static_cast<std::uint64_t>(
                          std::max<std::int64_t>(0, expires_at.time_since_epoch().count())));
  key.append(record_key);
  return key;
}

std::string_view expiry_prefix() noexcept {
  return {"\0", 1};
}

std::optional<expiry_entry> parse_expiry_key(std::string_view key) noexcept {
  if (key.size() <= 9 || key[0] != separator) return std::nullopt;
  std::uint64_t seconds = 0;
  for (std::size_t i = 1; i < 9; ++i) seconds = (seconds << 8) | static_cast<unsigned char>(key[i]);
  if (seconds > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return expiry_entry{std::chrono::sys_seconds{std::chrono::seconds{seconds}}, key.substr(9)};
}

std::string batch_key(std::chrono::year_month_day date) {
  return join({"s", protocol::format_date(date)});
}

namespace {

// A run number as 16 lower-case hex digits: fixed width, so a run's keys share one prefix.
std::string run_part(std::uint64_t run) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, run >>= 4) out[static_cast<std::size_t>(i)] = digits[run & 0xf];
  return out;
}

// The last part of a key that ends in a big-endian number, which may hold 0x00 bytes: it comes
// last, so nothing follows it that it could run into.
void append_u32_be(std::string& key, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

std::string batch_file_key(std::chrono::year_month_day date, std::uint64_t run,
                           std::string_view file_kind, std::string_view party) {
  return join({"f", protocol::format_date(date), run_part(run), file_kind, party});
}

std::string batch_files_of(std::chrono::year_month_day date, std::uint64_t run) {
  return join({"f", protocol::format_date(date), run_part(run), ""});
}

std::string batch_members_key(std::chrono::year_month_day date, std::uint64_t run,
                              std::uint32_t chunk) {
  std::string key = batch_members_of(date, run);
  append_u32_be(key, chunk);
  return key;
}

std::string batch_members_of(std::chrono::year_month_day date, std::uint64_t run) {
  return join({"m", protocol::format_date(date), run_part(run), ""});
}

std::string discrepancy_key(std::string_view channel, std::chrono::year_month_day date,
                            std::uint32_t number) {
  std::string key = discrepancies_of(channel, date);
  append_u32_be(key, number);
  return key;
}

std::string discrepancies_of(std::string_view channel, std::chrono::year_month_day date) {
  return join({channel, protocol::format_date(date), ""});
}

std::string sequence_key(std::string_view channel) {
  return join({"sequence", channel});
}

std::string merchant_payment_key(std::string_view merchant_id, std::string_view payment_id) {
  return join({merchant_id, "p", payment_id});
}

std::string merchant_payments_of(std::string_view merchant_id) {
  return join({merchant_id, "p", ""});
}

std::string reference_key(std::string_view merchant_id, std::string_view reference,
                          std::string_view payment_id) {
  return join({merchant_id, "r", reference, payment_id});
}

std::string references_of(std::string_view merchant_id, std::string_view reference) {
  return join({merchant_id, "r", reference, ""});
}

std::string_view indexed_payment_id(std::string_view key) noexcept {
  const auto at = key.rfind(separator);
  return at == std::string_view::npos ? key : key.substr(at + 1);
}

std::string channel_request_key(std::string_view object_id, request_kind k) {
  return join({object_id, to_string(k)});
}

std::string channel_request_key(const channel_request& request) {
  return channel_request_key(request.refund_id.value_or(request.payment_id), request.kind);
}

// ---- records ----

std::string encode(const payment_record& record) {
  return encoded(record, [](byte_writer& w, const payment_record& rec) {
    const protocol::payment& p = rec.resource;
    w.text(p.id);
    w.enumerator(p.status);
    put_money(w, p.amount);
    w.i64(p.amount_captured);
    w.i64(p.amount_refunded);
    w.text(p.merchant_reference);
    w.optional_text(p.description);
    w.u32(static_cast<std::uint32_t>(p.metadata.size()));
    for (const auto& [k, v] : p.metadata) {
      w.text(k);
      w.text(v);
    }
    put_method(w, p.payment_method);
    w.optional_text(p.channel);
    w.optional_text(p.authorization_code);
    w.optional_text(p.rrn);
    w.optional_text(p.response_code);
    put_decline(w, p.decline_code);
    w.boolean(p.business_date.has_value());
    if (p.business_date) put_date(w, *p.business_date);
    put_seconds(w, p.created_at);
    put_seconds(w, p.updated_at);
    w.text(rec.merchant_id);
    w.boolean(rec.capture);
    w.optional_text(rec.stan);
    w.i64(rec.amount_refund_pending);
    put_change(w, rec.change);
    w.text(rec.pan_ciphertext);
  });
}

result<payment_record> decode_payment(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    payment_record rec;
    protocol::payment& p = rec.resource;
    p.id = r.text();
    p.status = r.enumerator(protocol::payment_status::failed);
    p.amount = get_money(r);
    p.amount_captured = r.i64();
    p.amount_refunded = r.i64();
    p.merchant_reference = r.text();
    p.description = r.optional_text();
    const std::uint32_t metadata_count = r.u32();
    if (metadata_count > limits::metadata_count_max) r.fail();
    for (std::uint32_t i = 0; i < metadata_count && !r.failed(); ++i) {
      auto k = r.text();
      p.metadata.emplace_back(std::move(k), r.text());
    }
    p.payment_method = get_method(r);
    p.channel = r.optional_text();
    p.authorization_code = r.optional_text();
    p.rrn = r.optional_text();
    p.response_code = r.optional_text();
    p.decline_code = get_decline(r);
    p.business_date = r.optional([&] { return get_date(r); });
    p.created_at = get_seconds(r);
    p.updated_at = get_seconds(r);
    rec.merchant_id = r.text();
    rec.capture = r.boolean();
    rec.stan = r.optional_text();
    rec.amount_refund_pending = r.i64();
    rec.change = get_change(r);
    rec.pan_ciphertext = r.text();
    return rec;
  });
}

std::string encode(const refund_record& record) {
  return encoded(record, [](byte_writer& w, const refund_record& rec) {
    const protocol::refund& f = rec.resource;
    w.text(f.id);
    w.text(f.payment_id);
    put_money(w, f.amount);
    w.enumerator(f.status);
    w.optional_text(f.reason);
    put_seconds(w, f.created_at);
    w.optional_text(rec.rrn);
    w.optional_text(rec.stan);
    w.optional_text(rec.response_code);
    put_decline(w, rec.decline_code);
  });
}

result<refund_record> decode_refund(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    refund_record rec;
    protocol::refund& f = rec.resource;
    f.id = r.text();
    f.payment_id = r.text();
    f.amount = get_money(r);
    f.status = r.enumerator(protocol::refund_status::failed);
    f.reason = r.optional_text();
    f.created_at = get_seconds(r);
    rec.rrn = r.optional_text();
    rec.stan = r.optional_text();
    rec.response_code = r.optional_text();
    rec.decline_code = get_decline(r);
    return rec;
  });
}

std::string encode(const payment_event& event) {
  return encoded(event, put_event);
}

result<payment_event> decode_event(std::string_view payload) {
  return decoded(payload, get_event);
}

std::string encode(const journal_entry& entry) {
  return encoded(entry, [](byte_writer& w, const journal_entry& e) {
    put_event(w, e.event);
    w.text(e.merchant_id);
    w.optional_text(e.channel);
    put_method(w, e.payment_method);
  });
}

result<journal_entry> decode_journal_entry(std::string_view payload) {
  journal_entry e;
  if (auto decoded = decode_journal_entry_into(payload, e); !decoded) return decoded.error();
  return e;
}

result<void> decode_journal_entry_into(std::string_view payload, journal_entry& into) {
  byte_reader r(payload);
  get_event_into(r, into.event);
  r.text_into(into.merchant_id);
  r.optional_text_into(into.channel);
  get_method_into(r, into.payment_method);
  if (!r.done()) return store::errc::corrupt_record;
  return {};
}

std::string encode(const idempotency_record& record) {
  return encoded(record, [](byte_writer& w, const idempotency_record& rec) {
    w.u64(rec.fingerprint.low);
    w.u64(rec.fingerprint.high);
    w.enumerator(rec.state);
    w.text(rec.object_id);
    put_seconds(w, rec.created_at);
    put_seconds(w, rec.expires_at);
    w.u16(rec.status);
    w.text(rec.body);
  });
}

result<idempotency_record> decode_idempotency(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    idempotency_record rec;
    rec.fingerprint.low = r.u64();
    rec.fingerprint.high = r.u64();
    rec.state = r.enumerator(idempotency_state::complete);
    rec.object_id = r.text();
    rec.created_at = get_seconds(r);
    rec.expires_at = get_seconds(r);
    rec.status = r.u16();
    rec.body = r.text();
    return rec;
  });
}

std::string encode(const channel_request& request) {
  return encoded(request, [](byte_writer& w, const channel_request& q) {
    w.enumerator(q.kind);
    w.enumerator(q.state);
    w.text(q.channel);
    w.text(q.merchant_id);
    w.text(q.payment_id);
    w.optional_text(q.refund_id);
    w.optional_text(q.idempotency_key);
    w.text(q.mti);
    w.optional_text(q.stan);
    w.optional_text(q.rrn);
    put_money(w, q.amount);
    put_time(w, q.sent_at);
    w.text(q.pan_ciphertext);
    w.u32(q.attempts);
    put_time(w, q.next_attempt_at);
  });
}

result<channel_request> decode_channel_request(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    channel_request q;
    q.kind = r.enumerator(request_kind::refund);
    q.state = r.enumerator(request_state::reversal_due);
    q.channel = r.text();
    q.merchant_id = r.text();
    q.payment_id = r.text();
    q.refund_id = r.optional_text();
    q.idempotency_key = r.optional_text();
    q.mti = r.text();
    q.stan = r.optional_text();
    q.rrn = r.optional_text();
    q.amount = get_money(r);
    q.sent_at = get_time(r);
    q.pan_ciphertext = r.text();
    q.attempts = r.u32();
    q.next_attempt_at = get_time(r);
    return q;
  });
}

std::string encode(const nonce_record& record) {
  return encoded(record,
                 [](byte_writer& w, const nonce_record& rec) { put_seconds(w, rec.expires_at); });
}

result<nonce_record> decode_nonce(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) { return nonce_record{get_seconds(r)}; });
}

std::string encode(const batch_record& record) {
  return encoded(record, [](byte_writer& w, const batch_record& b) {
    put_date(w, b.business_date);
    w.u64(b.run);
    put_seconds(w, b.sealed_at);
    w.boolean(b.final);
    w.u64(b.member_count);
    w.u32(b.chunk_count);
    w.u32(b.file_count);
    w.u64(b.adjustment_count);
  });
}

result<batch_record> decode_batch(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    batch_record b;
    b.business_date = get_date(r);
    b.run = r.u64();
    b.sealed_at = get_seconds(r);
    b.final = r.boolean();
    b.member_count = r.u64();
    b.chunk_count = r.u32();
    b.file_count = r.u32();
    b.adjustment_count = r.u64();
    return b;
  });
}

std::string encode(const batch_file& file) {
  return encoded(file, [](byte_writer& w, const batch_file& f) {
    w.enumerator(f.kind);
    w.text(f.party);
    w.text(f.file_name);
    w.u64(f.row_count);
    w.u64(f.adjustment_count);
    w.u32(static_cast<std::uint32_t>(f.totals.size()));
    for (const auto& t : f.totals) {
      w.text(t.currency);
      w.u64(t.row_count);
      w.i64(t.gross);
      w.i64(t.fee);
      w.i64(t.net);
    }
    w.text(f.sha256);
  });
}

result<batch_file> decode_batch_file(std::string_view payload) {
  return decoded(payload, [payload](byte_reader& r) {
    batch_file f;
    f.kind = r.enumerator(file_kind::settlement);
    f.party = r.text();
    f.file_name = r.text();
    f.row_count = r.u64();
    f.adjustment_count = r.u64();
    const std::uint32_t count = r.u32();
    // Each total takes at least 36 bytes: a count beyond what is left is damage, not a size to
    // reserve.
    if (count > payload.size() / 36) {
      r.fail();
      return f;
    }
    f.totals.resize(count);
    for (auto& t : f.totals) {
      t.currency = r.text();
      t.row_count = r.u64();
      t.gross = r.i64();
      t.fee = r.i64();
      t.net = r.i64();
    }
    f.sha256 = r.text();
    return f;
  });
}

std::string encode(std::span<const batch_member> members) {
  std::string out;
  out.reserve(members.size() * batch_member_size);
  for (const auto& m : members) {
    const auto days = static_cast<std::uint32_t>(
        std::chrono::sys_days{m.business_date}.time_since_epoch().count());
    append_u32_be(out, days);
    out.append(reinterpret_cast<const char*>(m.event.data()), m.event.size());
  }
  return out;
}

result<std::vector<batch_member>> decode_batch_members(std::string_view payload) {
  if (payload.size() % batch_member_size != 0) return store::errc::corrupt_record;
  std::vector<batch_member> out(payload.size() / batch_member_size);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(payload.data()) + i * batch_member_size;
    const std::uint32_t days = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                               (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    out[i].business_date =
        std::chrono::sys_days{std::chrono::days{static_cast<std::int32_t>(days)}};
    std::copy(p + 4, p + batch_member_size, out[i].event.begin());
    if (i > 0 && !(out[i - 1] < out[i])) return store::errc::corrupt_record;
  }
  return out;
}

namespace {

void put_optional_amount(byte_writer& w, const std::optional<std::int64_t>& v) {
  w.boolean(v.has_value());
  if (v) w.i64(*v);
}

std::optional<std::int64_t> get_optional_amount(byte_reader& r) {
  if (!r.boolean()) return std::nullopt;
  return r.i64();
}

}  // namespace

std::string encode(const discrepancy_record& record) {
  return encoded(record, [](byte_writer& w, const discrepancy_record& d) {
    w.enumerator(d.kind);
    w.text(d.rrn);
    w.text(d.stan);
    w.text(d.event_type);
    put_optional_amount(w, d.switch_amount);
    put_optional_amount(w, d.bank_amount);
    w.text(d.currency);
    w.text(d.payment_id);
    w.text(d.detail);
    put_seconds(w, d.found_at);
    w.text(d.resolved_by);
    put_seconds(w, d.resolved_at);
    w.text(d.note);
  });
}

result<discrepancy_record> decode_discrepancy(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    discrepancy_record d;
    d.kind = r.enumerator(discrepancy_class::duplicate_at_bank);
    d.rrn = r.text();
    d.stan = r.text();
    d.event_type = r.text();
    d.switch_amount = get_optional_amount(r);
    d.bank_amount = get_optional_amount(r);
    d.currency = r.text();
    d.payment_id = r.text();
    d.detail = r.text();
    d.found_at = get_seconds(r);
    d.resolved_by = r.text();
    d.resolved_at = get_seconds(r);
    d.note = r.text();
    return d;
  });
}

std::string encode(const sequence_record& record) {
  return encoded(record, [](byte_writer& w, const sequence_record& s) {
    put_date(w, s.stan_date);
    w.u32(s.stan_mark);
    w.u64(s.rrn_mark);
  });
}

result<sequence_record> decode_sequence(std::string_view payload) {
  return decoded(payload, [](byte_reader& r) {
    sequence_record s;
    s.stan_date = get_date(r);
    s.stan_mark = r.u32();
    s.rrn_mark = r.u64();
    // A mark past the element's digits could only come from damage: the allocator never
    // reserves beyond them.
    if (s.stan_mark > stan_max || s.rrn_mark > rrn_max) r.fail();
    return s;
  });
}

}  // namespace sy::clearing::layout
