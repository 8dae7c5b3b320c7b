// The cross-table check: one walker per table, each record checked against its own key and the
// records it implies in other tables.
#include "clearing/book_check.h"

#include <string>
#include <utility>
#include <vector>

#include "clearing/layout.h"
#include "clearing/store/errc.h"
#include "config/limits.h"

namespace sy::clearing {
namespace {

using layout::kind;
using layout::kind_byte;
using store::table;

struct seen_record {
  std::string key;
  store::record record;
};

class checker {
 public:
  checker(const store::environment& env, store::check_report& report) noexcept
      : env_(env), report_(report) {}

  result<void> run() {
    using checked = result<void> (checker::*)(const seen_record&);
    const std::pair<table, checked> walks[] = {
        {table::payments, &checker::payments_record},
        {table::events, &checker::events_record},
        {table::journal, &checker::journal_record},
        {table::payment_index, &checker::index_record},
        {table::idempotency, &checker::idempotency_record},
        {table::nonces, &checker::nonce_record},
        {table::saf, &checker::saf_record},
        {table::batches, &checker::batch_record},
        {table::discrepancies, &checker::discrepancy_record},
    };
    for (const auto& [t, check] : walks) {
      if (report_.tables[static_cast<std::size_t>(t)].corrupt > 0) {
        // A scan stops at a record failing its envelope; those are already reported.
        report(t, {}, "not cross-checked: records fail their envelope check");
        continue;
      }
      if (auto walked = walk(t, check); !walked) return walked;
    }
    return {};
  }

 private:
  template <class Check>
  result<void> walk(table t, Check check) {
    std::string after;
    for (;;) {
      std::vector<seen_record> page;
      auto visited =
          env_.scan(t, {{}, after, limits::store_scan_page_count},
                    [&](std::string_view key, const store::record_view& r) {
                      page.push_back({std::string(key), {r.kind, std::string(r.payload)}});
                      return true;
                    });
      if (!visited) return visited.error();
      for (const auto& seen : page) {
        if (auto checked = (this->*check)(seen); !checked) return checked;
      }
      if (page.size() < limits::store_scan_page_count) return {};
      after = page.back().key;
    }
  }

  // Reports `what` about `seen` in `t` unless the record changed since it was read: then a step
  // committed mid-walk, and the relation is checked on the record's next check.
  result<void> problem(table t, const seen_record& seen, std::string what) {
    auto now = env_.read(t, seen.key);
    if (!now) {
      if (now.error() == store::errc::not_found) return {};
      return now.error();
    }
    if (*now == seen.record) report(t, seen.key, std::move(what));
    return {};
  }

  void report(table t, std::string_view key, std::string what) {
    store::add_problem(report_, t, key, store::errc::corrupt_record, std::move(what));
  }

  // Whether `key` holds a record in `t`; a record failing its envelope counts (it is reported by
  // the envelope check).
  result<bool> exists(table t, std::string_view key) const {
    auto r = env_.read(t, key);
    if (r) return true;
    if (r.error() == store::errc::not_found) return false;
    if (r.error() == store::errc::corrupt_record) return true;
    return result<bool>(boost::system::in_place_error, r.error());
  }

  // Reports `what` unless `key` exists in `target`.
  result<void> expect(table target, std::string_view key, table t, const seen_record& seen,
                      std::string what) {
    auto found = exists(target, key);
    if (!found) return found.error();
    if (*found) return {};
    return problem(t, seen, std::move(what));
  }

  result<void> payments_record(const seen_record& seen) {
    const table t = table::payments;
    if (seen.record.kind == kind_byte(kind::refund)) {
      auto refund = layout::decode_refund(seen.record.payload);
      if (!refund) return problem(t, seen, "does not decode as a refund");
      if (seen.key != layout::object_key(refund->resource.id)) {
        return problem(t, seen, "refund filed under another id");
      }
      return expect(t, layout::object_key(refund->resource.payment_id), t, seen,
                    "refund of a payment not in the book");
    }
    if (seen.record.kind != kind_byte(kind::payment)) return problem(t, seen, "unknown kind");
    auto p = layout::decode_payment(seen.record.payload);
    if (!p) return problem(t, seen, "does not decode as a payment");
    const auto& r = p->resource;
    if (seen.key != layout::object_key(r.id)) return problem(t, seen, "filed under another id");
    if (r.amount_refunded < 0 || p->amount_refund_pending < 0 ||
        r.amount_captured > r.amount.amount ||
        r.amount_refunded + p->amount_refund_pending > r.amount_captured) {
      return problem(t, seen, "amounts break refunded + pending <= captured <= amount");
    }
    if (auto e = expect(table::payment_index, layout::merchant_payment_key(p->merchant_id, r.id), t,
                        seen, "missing from its merchant's index");
        !e) {
      return e;
    }
    if (auto e = expect(table::payment_index,
                        layout::reference_key(p->merchant_id, r.merchant_reference, r.id), t, seen,
                        "missing from its merchant reference's index");
        !e) {
      return e;
    }
    if (!p->change) return {};
    const auto request = p->change->kind == change_kind::capture ? layout::request_kind::capture
                                                                 : layout::request_kind::void_;
    return expect(table::saf, layout::channel_request_key(r.id, request), t, seen,
                  "a pending capture or void without its channel request");
  }

  result<void> events_record(const seen_record& seen) {
    const table t = table::events;
    if (seen.record.kind != kind_byte(kind::event)) return problem(t, seen, "unknown kind");
    auto e = layout::decode_event(seen.record.payload);
    if (!e) return problem(t, seen, "does not decode as an event");
    if (seen.key != layout::event_key(e->payment_id, e->id)) {
      return problem(t, seen, "filed under another payment or event id");
    }
    if (auto p = expect(table::payments, layout::object_key(e->payment_id), t, seen,
                        "event of a payment not in the book");
        !p) {
      return p;
    }
    auto entry = env_.read(table::journal, layout::journal_key(e->business_date, e->id));
    if (!entry) {
      if (entry.error() == store::errc::not_found) {
        return problem(t, seen, "missing from the journal of its business date");
      }
      return entry.error() == store::errc::corrupt_record ? result<void>{} : entry.error();
    }
    auto journaled = layout::decode_journal_entry(entry->payload);
    if (journaled && journaled->event == *e) return {};
    return problem(t, seen, "differs from its journal entry");
  }

  result<void> journal_record(const seen_record& seen) {
    const table t = table::journal;
    if (seen.record.kind != kind_byte(kind::journal_entry)) return problem(t, seen, "unknown kind");
    auto entry = layout::decode_journal_entry(seen.record.payload);
    if (!entry) return problem(t, seen, "does not decode as a journal entry");
    const auto& e = entry->event;
    if (seen.key != layout::journal_key(e.business_date, e.id)) {
      return problem(t, seen, "filed under another business date or event id");
    }
    return expect(table::events, layout::event_key(e.payment_id, e.id), t, seen,
                  "journal entry without its event");
  }

  result<void> index_record(const seen_record& seen) {
    const table t = table::payment_index;
    if (seen.record.kind != kind_byte(kind::merchant_payment) &&
        seen.record.kind != kind_byte(kind::reference)) {
      return problem(t, seen, "unknown kind");
    }
    const std::string_view merchant = std::string_view(seen.key).substr(0, seen.key.find('\0'));
    auto p = env_.read(table::payments, layout::object_key(layout::indexed_payment_id(seen.key)));
    if (!p) {
      if (p.error() == store::errc::not_found) return problem(t, seen, "indexes no payment");
      return p.error() == store::errc::corrupt_record ? result<void>{} : p.error();
    }
    auto payment = layout::decode_payment(p->payload);
    if (payment && payment->merchant_id == merchant) return {};
    return problem(t, seen, "indexes another merchant's payment");
  }

  template <class T>
  result<void> expiring_record(table t, kind record_kind, const seen_record& seen,
                               result<T> (*decode)(std::string_view)) {
    if (seen.record.kind == kind_byte(kind::expiry)) {
      const auto entry = layout::parse_expiry_key(seen.key);
      if (!entry) return problem(t, seen, "malformed expiry index key");
      auto r = env_.read(t, entry->record_key);
      if (!r) {
        if (r.error() == store::errc::not_found) return problem(t, seen, "expiry of no record");
        return r.error() == store::errc::corrupt_record ? result<void>{} : r.error();
      }
      auto record = decode(r->payload);
      if (record && record->expires_at == entry->expires_at) return {};
      return problem(t, seen, "expiry index disagrees with its record");
    }
    if (seen.record.kind != kind_byte(record_kind)) return problem(t, seen, "unknown kind");
    auto record = decode(seen.record.payload);
    if (!record) return problem(t, seen, "does not decode");
    return expect(t, layout::expiry_key(record->expires_at, seen.key), t, seen,
                  "missing from the expiry index (never purged)");
  }

  result<void> idempotency_record(const seen_record& seen) {
    return expiring_record(table::idempotency, kind::idempotency, seen, layout::decode_idempotency);
  }

  result<void> nonce_record(const seen_record& seen) {
    return expiring_record(table::nonces, kind::nonce, seen, layout::decode_nonce);
  }

  result<void> saf_record(const seen_record& seen) {
    const table t = table::saf;
    if (seen.record.kind != kind_byte(kind::channel_request))
      return problem(t, seen, "unknown kind");
    auto q = layout::decode_channel_request(seen.record.payload);
    if (!q) return problem(t, seen, "does not decode as a channel request");
    if (seen.key != layout::channel_request_key(*q)) {
      return problem(t, seen, "filed under another request");
    }
    return expect(table::payments, layout::object_key(q->refund_id.value_or(q->payment_id)), t,
                  seen, "request of a payment or refund not in the book");
  }

  // A seal, a file summary or a member list, each under the key its content names. (Records of
  // a run that lost the race to seal its date, or stopped before sealing, are leftovers no seal
  // names; they decode like the others and nothing reads them.)
  result<void> batch_record(const seen_record& seen) {
    const table t = table::batches;
    const auto k = seen.record.kind;
    if (k == kind_byte(kind::batch)) {
      auto b = layout::decode_batch(seen.record.payload);
      if (!b) return problem(t, seen, "does not decode as a batch");
      if (seen.key != layout::batch_key(b->business_date)) {
        return problem(t, seen, "filed under another date");
      }
    } else if (k == kind_byte(kind::batch_file)) {
      if (!layout::decode_batch_file(seen.record.payload)) {
        return problem(t, seen, "does not decode as a batch file");
      }
    } else if (k == kind_byte(kind::batch_members)) {
      if (!layout::decode_batch_members(seen.record.payload)) {
        return problem(t, seen, "does not decode as a member list");
      }
    } else {
      return problem(t, seen, "unknown kind");
    }
    return {};
  }

  result<void> discrepancy_record(const seen_record& seen) {
    const table t = table::discrepancies;
    if (seen.record.kind != kind_byte(kind::discrepancy)) return problem(t, seen, "unknown kind");
    if (!layout::decode_discrepancy(seen.record.payload)) {
      return problem(t, seen, "does not decode as a discrepancy");
    }
    return {};
  }

  const store::environment& env_;
  store::check_report& report_;
};

}  // namespace

result<void> check_book(const store::environment& env, store::check_report& report) {
  return checker(env, report).run();
}

}  // namespace sy::clearing
