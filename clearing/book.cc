// The units of work of each payment step, and the decoded reads of the book of record.
#include "clearing/book.h"

#include <utility>

#include "clearing/business_date.h"
#include "clearing/store/errc.h"
#include "config/assert.h"
#include "config/limits.h"

namespace sy::clearing {
namespace {

using layout::kind;
using layout::kind_byte;
using store::operation;
using store::require;
using store::table;

// ---- unit building ----

void put_new(store::unit_of_work& u, table t, std::string key, kind k, std::string payload) {
  u.ops.push_back(
      operation::put(t, std::move(key), kind_byte(k), std::move(payload), require::absent));
}

// Replaces the record of kind `k` that was read as `before`, and only that one.
template <class T>
void put_over(store::unit_of_work& u, table t, std::string key, kind k, const T& after,
              const T& before) {
  u.ops.push_back(operation::replace(t, std::move(key), kind_byte(k), layout::encode(after),
                                     kind_byte(k), layout::encode(before)));
}

// A unit writing `after` new (`before` empty) or over exactly the record read as `before`.
template <class T>
store::unit_of_work put_new_or_over(table t, std::string key, kind k, const T& after,
                                    const std::optional<T>& before) {
  store::unit_of_work u;
  if (before) {
    put_over(u, t, std::move(key), k, after, *before);
  } else {
    put_new(u, t, std::move(key), k, layout::encode(after));
  }
  return u;
}

std::string idempotency_key_of(const merchant_request& m) {
  return layout::idempotency_key(m.merchant_id, m.idempotency_key);
}

layout::idempotency_record completed(const merchant_request& m, const stored_response& response) {
  auto record = in_progress_record(m);
  record.state = layout::idempotency_state::complete;
  record.status = response.status;
  record.body = response.body;
  return record;
}

// A new idempotency record with its expiry index entry.
void claim(store::unit_of_work& u, const merchant_request& m,
           const layout::idempotency_record& record) {
  const std::string key = idempotency_key_of(m);
  put_new(u, table::idempotency, layout::expiry_key(m.expires_at, key), kind::expiry, {});
  put_new(u, table::idempotency, key, kind::idempotency, layout::encode(record));
}

void add_new_payment(store::unit_of_work& u, const payment_record& p) {
  const auto& id = p.resource.id;
  put_new(u, table::payments, layout::object_key(id), kind::payment, layout::encode(p));
  put_new(u, table::payment_index, layout::merchant_payment_key(p.merchant_id, id),
          kind::merchant_payment, {});
  put_new(u, table::payment_index,
          layout::reference_key(p.merchant_id, p.resource.merchant_reference, id), kind::reference,
          {});
}

// The event in the payment's history and in its business date's journal.
void add_event(store::unit_of_work& u, const payment_record& p, const payment_event& e) {
  put_new(u, table::events, layout::event_key(e.payment_id, e.id), kind::event, layout::encode(e));
  const layout::journal_entry entry{e, p.merchant_id, p.resource.channel,
                                    p.resource.payment_method};
  put_new(u, table::journal, layout::journal_key(e.business_date, e.id), kind::journal_entry,
          layout::encode(entry));
}

}  // namespace

open_request kept_request(const final_step& step) {
  SY_VERIFY(step.end != request_end::answered);
  open_request kept{layout::channel_request_key(step.request), step.request};
  if (step.end == request_end::awaiting_completion) {
    kept.request.state = layout::request_state::awaiting_completion;
  } else {
    kept.request.state = layout::request_state::reversal_due;
    kept.request.attempts = 0;
    kept.request.next_attempt_at = step.next_attempt_at;
  }
  return kept;
}

namespace {

void end_request(store::unit_of_work& u, const final_step& step) {
  const std::string key = layout::channel_request_key(step.request);
  const auto k = kind_byte(kind::channel_request);
  if (step.end == request_end::answered) {
    u.ops.push_back(operation::erase_unchanged(table::saf, key, k, layout::encode(step.request)));
    return;
  }
  put_over(u, table::saf, key, kind::channel_request, kept_request(step).request, step.request);
}

// ---- reads ----

template <class T>
using decoder = result<T> (*)(std::string_view payload);

template <class T>
result<T> decode_as(kind expected, std::uint8_t actual, std::string_view payload,
                    decoder<T> decode) {
  if (actual != kind_byte(expected)) return store::errc::corrupt_record;
  return decode(payload);
}

template <class T>
result<T> read_as(const store::environment& env, table t, std::string_view key, kind k,
                  decoder<T> decode) {
  auto r = env.read(t, key);
  if (!r) return r.error();
  return decode_as(k, r->kind, r->payload, decode);
}

// Decodes the records of `range` (one page) as kind `k`, calling `take(key, value)` for each;
// `take` returns false to stop. Returns how many records the scan visited.
template <class T, class Take>
result<std::size_t> scan_as(const store::environment& env, table t, const store::scan_range& range,
                            kind k, decoder<T> decode, Take take) {
  error_code bad;
  auto visited = env.scan(t, range, [&](std::string_view key, const store::record_view& record) {
    auto value = decode_as(k, record.kind, record.payload, decode);
    if (!value) {
      bad = value.error();
      return false;
    }
    return take(key, std::move(*value));
  });
  if (!visited) return visited.error();
  if (bad) return bad;
  return *visited;
}

// Every record under `prefix` as kind `k`, page by page, in key order.
template <class T, class Take>
result<void> scan_all(const store::environment& env, table t, std::string_view prefix, kind k,
                      decoder<T> decode, Take take) {
  std::string after;
  for (;;) {
    auto visited = scan_as(env, t, {prefix, after, limits::store_scan_page_count}, k, decode,
                           [&](std::string_view key, T value) {
                             after.assign(key);
                             take(key, std::move(value));
                             return true;
                           });
    if (!visited) return visited.error();
    if (*visited < limits::store_scan_page_count) return {};
  }
}

// An expired index entry: the index key, the record key and the expiry it records.
struct expiry_hit {
  std::string index_key;
  std::string record_key;
  std::chrono::sys_seconds expires_at{};
};

// The record's own expiry, or nullopt when it is gone.
template <class T>
result<std::optional<std::pair<store::record, std::chrono::sys_seconds>>> expiry_of(
    const store::environment& env, table t, const std::string& key, kind k, decoder<T> decode) {
  auto r = env.read(t, key);
  if (!r) {
    if (r.error() == store::errc::not_found) return std::nullopt;
    return r.error();
  }
  auto value = decode_as(k, r->kind, r->payload, decode);
  if (!value) return value.error();
  const auto expires_at = value->expires_at;
  return std::pair{std::move(*r), expires_at};
}

// One unit per expired record of `t` (kind `k`), up to `limit` in all (`out` counts).
template <class T>
result<void> expire(const store::environment& env, table t, kind k, decoder<T> decode,
                    std::chrono::sys_seconds now, std::size_t limit,
                    std::vector<store::unit_of_work>& out) {
  std::vector<expiry_hit> hits;
  error_code bad;
  auto visited = env.scan(
      t, {layout::expiry_prefix(), {}, limit - std::min(limit, out.size())},
      [&](std::string_view key, const store::record_view& record) {
        const auto entry = layout::parse_expiry_key(key);
        if (!entry || record.kind != kind_byte(kind::expiry)) {
          bad = store::errc::corrupt_record;
          return false;
        }
        if (entry->expires_at > now) return false;
        hits.push_back({std::string(key), std::string(entry->record_key), entry->expires_at});
        return true;
      });
  if (!visited) return visited.error();
  if (bad) return bad;
  for (auto& hit : hits) {
    store::unit_of_work u;
    u.ops.push_back(operation::erase(t, std::move(hit.index_key), require::present));
    auto current = expiry_of(env, t, hit.record_key, k, decode);
    if (!current) return current.error();
    // A record whose expiry moved on (its key was reused after a purge) has its own index
    // entry; only this stale one goes.
    if (*current && (*current)->second == hit.expires_at) {
      u.ops.push_back(operation::erase_unchanged(t, std::move(hit.record_key), kind_byte(k),
                                                 std::move((*current)->first.payload)));
    }
    out.push_back(std::move(u));
  }
  return {};
}

}  // namespace

layout::idempotency_record in_progress_record(const merchant_request& request) {
  layout::idempotency_record record;
  record.fingerprint = request.fingerprint;
  record.state = layout::idempotency_state::in_progress;
  record.object_id = request.object_id;
  record.created_at = request.received_at;
  record.expires_at = request.expires_at;
  return record;
}

store::unit_of_work sent(const sent_step& step) {
  SY_VERIFY(step.request.state == layout::request_state::sent);
  store::unit_of_work u;
  claim(u, step.merchant, in_progress_record(step.merchant));
  if (step.before) {
    put_over(u, table::payments, layout::object_key(step.payment.resource.id), kind::payment,
             step.payment, *step.before);
  } else {
    add_new_payment(u, step.payment);
  }
  if (step.refund) {
    put_new(u, table::payments, layout::object_key(step.refund->resource.id), kind::refund,
            layout::encode(*step.refund));
  }
  put_new(u, table::saf, layout::channel_request_key(step.request), kind::channel_request,
          layout::encode(step.request));
  return u;
}

store::unit_of_work finished(const final_step& step) {
  SY_VERIFY(step.refund.has_value() == step.refund_before.has_value());
  SY_VERIFY(step.merchant.has_value() == step.response.has_value());
  store::unit_of_work u;
  put_over(u, table::payments, layout::object_key(step.payment.resource.id), kind::payment,
           step.payment, step.before);
  if (step.refund) {
    put_over(u, table::payments, layout::object_key(step.refund->resource.id), kind::refund,
             *step.refund, *step.refund_before);
  }
  if (step.event) add_event(u, step.payment, *step.event);
  end_request(u, step);
  if (step.merchant) {
    put_over(u, table::idempotency, idempotency_key_of(*step.merchant), kind::idempotency,
             completed(*step.merchant, *step.response), in_progress_record(*step.merchant));
  }
  return u;
}

store::unit_of_work decided(const merchant_request& merchant, const payment_transition& decided,
                            const stored_response& response) {
  store::unit_of_work u;
  claim(u, merchant, completed(merchant, response));
  add_new_payment(u, decided.payment);
  add_event(u, decided.payment, decided.event);
  return u;
}

store::unit_of_work answered(const merchant_request& merchant, const stored_response& response) {
  store::unit_of_work u;
  claim(u, merchant, completed(merchant, response));
  return u;
}

store::unit_of_work remember_nonce(std::string_view key_id, std::string_view nonce,
                                   std::chrono::sys_seconds expires_at) {
  store::unit_of_work u;
  const std::string key = layout::nonce_key(key_id, nonce);
  put_new(u, table::nonces, layout::expiry_key(expires_at, key), kind::expiry, {});
  put_new(u, table::nonces, key, kind::nonce, layout::encode(layout::nonce_record{expires_at}));
  return u;
}

namespace {

// Appends `op` to the last unit of `units`, starting a new one when it is full.
void pack(std::vector<store::unit_of_work>& units, store::operation op) {
  if (units.empty() || units.back().ops.size() == limits::store_unit_op_count_max) {
    units.emplace_back();
  }
  units.back().ops.push_back(std::move(op));
}

}  // namespace

std::vector<store::unit_of_work> batch_parts(std::chrono::year_month_day date, std::uint64_t run,
                                             std::span<const layout::batch_file> files,
                                             std::span<const std::string> member_chunks,
                                             std::uint32_t first_chunk) {
  std::vector<store::unit_of_work> units;
  for (const auto& f : files) {
    pack(units,
         store::operation::put(
             table::batches, layout::batch_file_key(date, run, layout::to_string(f.kind), f.party),
             kind_byte(kind::batch_file), layout::encode(f)));
  }
  for (std::size_t i = 0; i < member_chunks.size(); ++i) {
    pack(units, store::operation::put(table::batches,
                                      layout::batch_members_key(
                                          date, run, first_chunk + static_cast<std::uint32_t>(i)),
                                      kind_byte(kind::batch_members), member_chunks[i]));
  }
  return units;
}

store::unit_of_work seal_batch(const layout::batch_record& seal,
                               std::span<const finalized_batch> finalized) {
  SY_VERIFY(finalized.size() < limits::store_unit_op_count_max);
  store::unit_of_work u;
  put_new(u, table::batches, layout::batch_key(seal.business_date), kind::batch,
          layout::encode(seal));
  for (const auto& f : finalized) {
    put_over(u, table::batches, layout::batch_key(f.after.business_date), kind::batch, f.after,
             f.before);
  }
  return u;
}

std::vector<store::unit_of_work> erase_batch_records(std::span<const std::string> keys) {
  std::vector<store::unit_of_work> units;
  for (const auto& k : keys) pack(units, store::operation::erase(table::batches, k));
  return units;
}

store::unit_of_work record_discrepancy(std::string_view channel, std::chrono::year_month_day date,
                                       std::uint32_t number, const layout::discrepancy_record& d,
                                       const std::optional<layout::discrepancy_record>& before) {
  return put_new_or_over(table::discrepancies, layout::discrepancy_key(channel, date, number),
                         kind::discrepancy, d, before);
}

store::unit_of_work reserve_sequence(std::string_view channel, const layout::sequence_record& next,
                                     const std::optional<layout::sequence_record>& before) {
  return put_new_or_over(table::meta, layout::sequence_key(channel), kind::sequence, next, before);
}

// ---- reads ----

result<payment_record> book::payment(std::string_view payment_id) const {
  return read_as(env_, table::payments, layout::object_key(payment_id), kind::payment,
                 decoder<payment_record>{layout::decode_payment});
}

result<refund_record> book::refund(std::string_view refund_id) const {
  return read_as(env_, table::payments, layout::object_key(refund_id), kind::refund,
                 decoder<refund_record>{layout::decode_refund});
}

result<std::vector<payment_event>> book::events(std::string_view payment_id) const {
  std::vector<payment_event> out;
  auto walked = scan_all(env_, table::events, layout::events_of(payment_id), kind::event,
                         decoder<payment_event>{layout::decode_event},
                         [&](std::string_view, payment_event e) { out.push_back(std::move(e)); });
  if (!walked) return walked.error();
  return out;
}

result<std::optional<layout::idempotency_record>> book::idempotency(std::string_view merchant_id,
                                                                    std::string_view key) const {
  auto record =
      read_as(env_, table::idempotency, layout::idempotency_key(merchant_id, key),
              kind::idempotency, decoder<layout::idempotency_record>{layout::decode_idempotency});
  if (!record) {
    if (record.error() == store::errc::not_found) return std::nullopt;
    return record.error();
  }
  return std::move(*record);
}

result<payment_page> book::payments_of(std::string_view merchant_id,
                                       const protocol::list_query& query) const {
  const std::string prefix = query.merchant_reference
                                 ? layout::references_of(merchant_id, *query.merchant_reference)
                                 : layout::merchant_payments_of(merchant_id);
  const std::string after = query.starting_after ? prefix + *query.starting_after : "";
  std::vector<std::string> ids;
  error_code bad;
  const kind expected = query.merchant_reference ? kind::reference : kind::merchant_payment;
  // One more than asked for tells whether there is a next page.
  auto visited = env_.scan(table::payment_index, {prefix, after, query.limit + 1, true},
                           [&](std::string_view key, const store::record_view& record) {
                             if (record.kind != kind_byte(expected)) {
                               bad = store::errc::corrupt_record;
                               return false;
                             }
                             ids.emplace_back(layout::indexed_payment_id(key));
                             return true;
                           });
  if (!visited) return visited.error();
  if (bad) return bad;
  payment_page page;
  page.has_more = ids.size() > query.limit;
  if (page.has_more) ids.pop_back();
  for (const auto& id : ids) {
    auto p = payment(id);
    // An index entry commits with its payment and neither is ever erased.
    if (!p) return p.error() == store::errc::not_found ? store::errc::corrupt_record : p.error();
    page.data.push_back(std::move(*p));
  }
  return page;
}

result<std::vector<layout::journal_entry>> book::journal(std::chrono::year_month_day date,
                                                         std::string_view after,
                                                         std::size_t limit) const {
  std::vector<layout::journal_entry> out;
  out.reserve(std::min(limit, limits::store_scan_page_count * 16));
  if (auto read = journal(date, after, limit, out); !read) return read.error();
  return out;
}

result<void> book::journal(std::chrono::year_month_day date, std::string_view after,
                           std::size_t limit, std::vector<layout::journal_entry>& page) const {
  const std::string prefix = layout::journal_of(date);
  const std::string from = after.empty() ? std::string() : layout::journal_key(date, after);
  std::size_t count = 0;
  error_code bad;
  auto visited =
      env_.scan(table::journal, {prefix, from, limit},
                [&](std::string_view, const store::record_view& record) {
                  if (count == page.size()) page.emplace_back();
                  if (record.kind != layout::kind_byte(kind::journal_entry)) {
                    bad = store::errc::corrupt_record;
                    return false;
                  }
                  if (auto decoded = layout::decode_journal_entry_into(record.payload, page[count]);
                      !decoded) {
                    bad = decoded.error();
                    return false;
                  }
                  ++count;
                  return true;
                });
  if (!visited) return visited.error();
  if (bad) return bad;
  page.resize(count);
  return {};
}

result<layout::journal_entry> book::journal_entry(std::chrono::year_month_day date,
                                                  std::string_view event_id) const {
  return read_as(env_, table::journal, layout::journal_key(date, event_id), kind::journal_entry,
                 decoder<layout::journal_entry>{layout::decode_journal_entry});
}

result<std::optional<layout::batch_record>> book::batch(std::chrono::year_month_day date) const {
  auto b = read_as(env_, table::batches, layout::batch_key(date), kind::batch,
                   decoder<layout::batch_record>{layout::decode_batch});
  if (!b && b.error() == store::errc::not_found) return std::optional<layout::batch_record>{};
  if (!b) return b.error();
  return std::optional<layout::batch_record>{std::move(*b)};
}

result<std::vector<layout::batch_record>> book::batches(std::chrono::year_month_day from,
                                                        std::chrono::year_month_day to) const {
  std::vector<layout::batch_record> out;
  const std::string first = layout::batch_key(from);
  const std::string last = layout::batch_key(to);
  // Seal keys sort by date ("s", 0x00, YYYY-MM-DD); there is one per cleared date.
  auto walked = scan_all(env_, table::batches, std::string_view("s\0", 2), kind::batch,
                         decoder<layout::batch_record>{layout::decode_batch},
                         [&](std::string_view key, layout::batch_record b) {
                           if (key >= first && key <= last) out.push_back(std::move(b));
                         });
  if (!walked) return walked.error();
  return out;
}

result<std::vector<layout::batch_file>> book::batch_files(std::chrono::year_month_day date,
                                                          std::uint64_t run) const {
  std::vector<layout::batch_file> out;
  auto walked =
      scan_all(env_, table::batches, layout::batch_files_of(date, run), kind::batch_file,
               decoder<layout::batch_file>{layout::decode_batch_file},
               [&](std::string_view, layout::batch_file f) { out.push_back(std::move(f)); });
  if (!walked) return walked.error();
  return out;
}

result<std::vector<layout::batch_member>> book::batch_members(std::chrono::year_month_day date,
                                                              std::uint64_t run,
                                                              std::uint32_t chunk) const {
  return read_as(env_, table::batches, layout::batch_members_key(date, run, chunk),
                 kind::batch_members,
                 decoder<std::vector<layout::batch_member>>{layout::decode_batch_members});
}

result<std::vector<std::string>> book::batch_keys(std::string_view prefix) const {
  std::vector<std::string> out;
  std::string after;
  for (;;) {
    auto visited = env_.scan(table::batches, {prefix, after, limits::store_scan_page_count},
                             [&](std::string_view key, const store::record_view&) {
                               out.emplace_back(key);
                               after.assign(key);
                               return true;
                             });
    if (!visited) return visited.error();
    if (*visited < limits::store_scan_page_count) return out;
  }
}

namespace {

// The number at the end of a discrepancy key (its last four bytes, big-endian).
std::uint32_t discrepancy_number(std::string_view key) noexcept {
  std::uint32_t n = 0;
  for (std::size_t i = key.size() - 4; i < key.size(); ++i) {
    n = (n << 8) | static_cast<unsigned char>(key[i]);
  }
  return n;
}

}  // namespace

result<std::vector<book::numbered_discrepancy>> book::discrepancies(
    std::string_view channel, std::chrono::year_month_day date) const {
  std::vector<numbered_discrepancy> out;
  auto walked =
      scan_all(env_, table::discrepancies, layout::discrepancies_of(channel, date),
               kind::discrepancy, decoder<layout::discrepancy_record>{layout::decode_discrepancy},
               [&](std::string_view key, layout::discrepancy_record d) {
                 out.push_back({discrepancy_number(key), std::move(d)});
               });
  if (!walked) return walked.error();
  return out;
}

result<std::vector<book::filed_discrepancy>> book::all_discrepancies() const {
  std::vector<filed_discrepancy> out;
  error_code bad;
  auto walked = scan_all(env_, table::discrepancies, {}, kind::discrepancy,
                         decoder<layout::discrepancy_record>{layout::decode_discrepancy},
                         [&](std::string_view key, layout::discrepancy_record d) {
                           // channel, 0x00, YYYY-MM-DD, 0x00, number (4 bytes)
                           const auto first = key.find('\0');
                           const auto date = first == std::string_view::npos
                                                 ? std::nullopt
                                                 : parse_business_date(key.substr(first + 1, 10));
                           if (!date || key.size() != first + 1 + 10 + 1 + 4) {
                             bad = store::errc::corrupt_record;
                             return;
                           }
                           out.push_back({std::string(key.substr(0, first)), *date,
                                          discrepancy_number(key), std::move(d)});
                         });
  if (!walked) return walked.error();
  if (bad) return bad;
  return out;
}

result<std::optional<layout::sequence_record>> book::sequence(std::string_view channel) const {
  auto record = read_as(env_, table::meta, layout::sequence_key(channel), kind::sequence,
                        decoder<layout::sequence_record>{layout::decode_sequence});
  if (!record) {
    if (record.error() == store::errc::not_found) return std::nullopt;
    return record.error();
  }
  return *record;
}

result<std::vector<open_request>> book::requests_in(layout::request_state state) const {
  std::vector<open_request> out;
  auto walked = scan_all(env_, table::saf, {}, kind::channel_request,
                         decoder<layout::channel_request>{layout::decode_channel_request},
                         [&](std::string_view key, layout::channel_request r) {
                           if (r.state == state) out.push_back({std::string(key), std::move(r)});
                         });
  if (!walked) return walked.error();
  return out;
}

result<std::vector<open_request>> book::unanswered() const {
  return requests_in(layout::request_state::sent);
}

result<std::vector<open_request>> book::reversals_due() const {
  return requests_in(layout::request_state::reversal_due);
}

result<std::vector<open_request>> book::awaiting_completion() const {
  return requests_in(layout::request_state::awaiting_completion);
}

result<std::vector<store::unit_of_work>> book::expired(std::chrono::sys_seconds now,
                                                       std::size_t limit) const {
  std::vector<store::unit_of_work> out;
  auto idempotency =
      expire(env_, table::idempotency, kind::idempotency,
             decoder<layout::idempotency_record>{layout::decode_idempotency}, now, limit, out);
  if (!idempotency) return idempotency.error();
  auto nonces = expire(env_, table::nonces, kind::nonce,
                       decoder<layout::nonce_record>{layout::decode_nonce}, now, limit, out);
  if (!nonces) return nonces.error();
  return out;
}

}  // namespace sy::clearing
