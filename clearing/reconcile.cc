// Reconciliation: a hash index of the switch's cleared records (RRN and event type), the bank's
// rows streamed against it, the report written atomically only once the whole file has been
// read, then the discrepancies merged into the store.
#include "clearing/reconcile.h"

#include <sys/mman.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <tuple>

#include "clearing/bank_file.h"
#include "clearing/batch_files.h"
#include "clearing/book.h"
#include "clearing/ids.h"
#include "clearing/output_file.h"
#include "config/limits.h"
#include "protocol/merchant_resources.h"

namespace sy::clearing {
namespace {

using layout::discrepancy_class;
using std::chrono::year_month_day;

// What reconciliation matches on besides the channel and date: the RRN (an12) and event type.
struct record_key {
  std::array<char, 12> rrn{};
  std::uint8_t rrn_size = 0;
  std::uint8_t type = 0;  // event_type

  friend auto operator<=>(const record_key&, const record_key&) = default;
};

// nullopt for an RRN longer than DE 37 allows (it cannot be one of the switch's).
std::optional<record_key> key_of(std::string_view rrn, event_type type) {
  if (rrn.size() > record_key{}.rrn.size()) return std::nullopt;
  record_key k;
  std::memcpy(k.rrn.data(), rrn.data(), rrn.size());
  k.rrn_size = static_cast<std::uint8_t>(rrn.size());
  k.type = static_cast<std::uint8_t>(type);
  return k;
}

std::optional<event_type> bank_event_type(std::string_view text) {
  for (const auto t :
       {event_type::sale, event_type::capture, event_type::refund, event_type::reversal}) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

// One record the switch cleared to the channel: what the bank's row is checked against. Kept
// small (64 bytes), because the index holds one per cleared event.
struct switch_record {
  record_key key;
  std::array<char, 3> currency{};
  std::array<char, 6> stan{};
  std::uint8_t stan_size = 0;
  std::int64_t amount = 0;                      // signed, as in the clearing file
  std::array<std::uint8_t, 16> payment{};       // the payment id's bytes
  std::chrono::year_month_day business_date{};  // its own: an adjustment's is an earlier one
  std::uint64_t bank_line = 0;                  // the bank row that matched it; 0: none yet

  std::string_view currency_code() const { return {currency.data(), currency.size()}; }
  std::string payment_id() const { return to_string(object_id{id_kind::payment, payment}); }
};

clearing_error error_of(clearing_errc code, std::string message) {
  return {code, std::move(message)};
}

// The switch's records for one channel and date, in clearing file order, and an open-addressing
// hash table over them by key: a lookup costs a cache miss or two where a binary search over
// millions of records costs twenty. Records with one key (which the switch never makes, but
// the index does not assume) lie on one probe chain in clearing order.
class switch_index {
 public:
  // At most `count` records will come (the date's presented events, every channel's).
  void reserve(std::uint64_t count) {
    records_.reserve(count);
    prefer_huge_pages(records_);
  }
  void add(const switch_record& r) { records_.push_back(r); }

  // Builds the table once every record is in.
  void seal() {
    std::size_t size = 16;
    while (size < 2 * records_.size()) size *= 2;
    slots_.reserve(size);
    prefer_huge_pages(slots_);
    slots_.assign(size, slot{});
    for (std::uint32_t i = 0; i < records_.size(); ++i) {
      const std::uint64_t h = hash(records_[i].key);
      std::size_t at = h & (size - 1);
      for (; slots_[at].record != empty; at = (at + 1) & (size - 1)) {
        if (records_[slots_[at].record].key == records_[i].key) unique_keys_ = false;
      }
      slots_[at] = {i, tag_of(h)};
    }
  }

  // The first record with `key` that no bank row matched yet, else the first with `key` (a
  // duplicate), else null.
  switch_record* find(const record_key& key) {
    // Banks list their records in about the order they approved them, which is the clearing
    // file's: the record after the last one found is the likely one, and reading it costs no
    // cache miss. With every key unique it is the only record with its key, so the answer is the
    // same as the table's. In a file in another order the guess would cost a miss of its own, so
    // it is only tried while the order holds.
    if (guessing_ && unique_keys_ && next_ < records_.size() && records_[next_].key == key) {
      return &records_[next_++];
    }
    const std::uint64_t h = hash(key);
    const std::uint32_t tag = tag_of(h);
    switch_record* first = nullptr;
    for (std::size_t at = h & (slots_.size() - 1); slots_[at].record != empty;
         at = (at + 1) & (slots_.size() - 1)) {
      // The tag (other bits of the hash) rules out nearly every other key without reading its
      // record: a lookup reads one record, the one it finds.
      if (slots_[at].tag != tag) continue;
      switch_record& r = records_[slots_[at].record];
      if (r.key != key) continue;
      if (r.bank_line == 0) return found_at(slots_[at].record);
      if (first == nullptr) first = &r;
    }
    return first == nullptr ? nullptr : found_at(static_cast<std::size_t>(first - records_.data()));
  }

  // Brings the slot where a lookup of `key` starts into the cache, and, when the slot's record
  // is already there to read, that record: called a few rows ahead of the lookup itself.
  void prefetch_slot(const record_key& key) const {
    if (guessing_) return;  // the guess will find it without the table
    __builtin_prefetch(&slots_[hash(key) & (slots_.size() - 1)]);
  }
  void prefetch_record(const record_key& key) const {
    if (guessing_) return;
    const std::uint64_t h = hash(key);
    const slot& first = slots_[h & (slots_.size() - 1)];
    if (first.record != empty && first.tag == tag_of(h))
      __builtin_prefetch(&records_[first.record]);
  }

  std::vector<switch_record>& records() { return records_; }

 private:
  static constexpr std::uint32_t empty = UINT32_MAX;
  struct slot {
    std::uint32_t record = empty;
    std::uint32_t tag = 0;
  };

  switch_record* found_at(std::size_t i) {
    guessing_ = i == next_;
    next_ = i + 1;
    return &records_[i];
  }

  // Millions of records looked up in bank file order miss the TLB on nearly every lookup with
  // 4 KiB pages; transparent huge pages (in "madvise" mode on Debian) cut that. Advice only, given
  // for a vector's reserved storage before it is first written.
  template <class T>
  static void prefer_huge_pages(std::vector<T>& v) {
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(v.data()) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(v.data() + v.capacity())) & ~(huge - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  static std::uint64_t hash(const record_key& k) {
    return XXH3_64bits(&k, sizeof k);  // record_key has no padding: every byte is set
  }
  // The high half: the low bits of the hash pick the slot.
  static std::uint32_t tag_of(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }

  std::vector<switch_record> records_;
  std::vector<slot> slots_;
  bool unique_keys_ = true;
  std::size_t next_ = 0;  // the record after the last one found
  bool guessing_ = true;  // the last record found was the one after the one before it
};
static_assert(sizeof(record_key) == 14, "hashed as bytes: no padding");

// The switch's records for the channel from the sealed date's member list.
result<switch_index, clearing_error> index_of(const clearing_context& ctx,
                                              const layout::batch_record& seal,
                                              std::string_view channel) {
  switch_index index;
  // Growing by doubling would copy the index and, at its peak, hold it twice. The date's count
  // covers every channel; pages no record of this one reaches cost address space, not memory.
  index.reserve(seal.member_count);
  auto visited = visit_sealed(
      ctx.env, seal, [&](const layout::journal_entry& entry, bool) -> result<void, clearing_error> {
        if (entry.channel != channel) return {};
        const auto& e = entry.event;
        switch_record r;
        if (const auto k = key_of(e.rrn.value_or(""), e.type)) r.key = *k;
        const auto code = e.amount.currency.code();
        std::copy(code.begin(), code.end(), r.currency.begin());
        if (e.stan && e.stan->size() <= r.stan.size()) {
          std::copy(e.stan->begin(), e.stan->end(), r.stan.begin());
          r.stan_size = static_cast<std::uint8_t>(e.stan->size());
        }
        r.amount = e.type == event_type::refund ? -e.amount.amount : e.amount.amount;
        r.business_date = e.business_date;
        if (const auto id = parse_id(e.payment_id, id_kind::payment)) r.payment = id->bytes;
        index.add(r);
        return {};
      });
  if (!visited) return visited.error();
  index.seal();
  return index;
}

// The report's rows and the discrepancies to store, as they are found.
class findings {
 public:
  findings(output_file report, std::string_view channel, std::chrono::sys_seconds now)
      : report_(std::move(report)), channel_(channel), now_(now) {
    report_.write(recon_header);
    report_.write("\n");
  }

  void add(discrepancy_class kind, std::string_view rrn, std::string_view stan,
           std::string_view type, std::optional<std::int64_t> switch_amount,
           std::optional<std::int64_t> bank_amount, std::string_view currency,
           std::string payment_id, std::string detail) {
    ++summary_.discrepancies[static_cast<std::size_t>(kind)];
    row_.clear();
    append_csv_field(row_, layout::to_string(kind));
    for (const auto text : {rrn, stan, type}) {
      row_.push_back(',');
      append_csv_field(row_, text);
    }
    for (const auto& amount : {switch_amount, bank_amount}) {
      row_.push_back(',');
      if (amount) row_.append(std::to_string(*amount));
    }
    switch_total_ += switch_amount.value_or(0);
    bank_total_ += bank_amount.value_or(0);
    for (const std::string_view text :
         {currency, std::string_view(payment_id), std::string_view(detail)}) {
      row_.push_back(',');
      append_csv_field(row_, text);
    }
    row_.push_back('\n');
    report_.write(row_);
    ++rows_;
    if (found_.size() < limits::reconcile_stored_discrepancy_count_max) {
      found_.push_back({kind,
                        std::string(rrn),
                        std::string(stan),
                        std::string(type),
                        switch_amount,
                        bank_amount,
                        std::string(currency),
                        std::move(payment_id),
                        std::move(detail),
                        now_,
                        "",
                        {},
                        ""});
    } else {
      too_many_ = true;
    }
  }

  // The trailer (the sums of both amount columns, the row count in payment_id), then fsync.
  result<void> finish() {
    report_.write("T,,,," + std::to_string(switch_total_) + "," + std::to_string(bank_total_) +
                  ",," + std::to_string(rows_) + ",\n");
    return report_.finish();
  }

  output_file& report() { return report_; }
  reconcile_summary& summary() { return summary_; }
  std::vector<layout::discrepancy_record>& found() { return found_; }
  bool too_many() const { return too_many_; }

 private:
  output_file report_;
  std::string channel_;
  std::chrono::sys_seconds now_;
  reconcile_summary summary_;
  std::vector<layout::discrepancy_record> found_;
  bool too_many_ = false;
  std::uint64_t rows_ = 0;
  std::int64_t switch_total_ = 0;
  std::int64_t bank_total_ = 0;
  std::string row_;
};

std::string amount_text(std::int64_t amount, std::string_view currency) {
  return std::to_string(amount) + " " + std::string(currency);
}

// Classifies one bank row against the index (specs/clearing-files.md classes).
// `date` is the reconciled date, `date_text` its YYYY-MM-DD.
void classify(const bank_record& row, std::chrono::year_month_day date, std::string_view date_text,
              switch_index& index, findings& out) {
  ++out.summary().bank_rows;
  // Only a discrepancy needs its line in words; a matched row (nearly all of them) costs none.
  const auto where = [&row] { return "line " + std::to_string(row.line); };
  const auto type = bank_event_type(row.event_type);  // the reader checked the name
  const auto missing = [&](std::string detail) {
    out.add(discrepancy_class::missing_at_switch, row.rrn, row.stan, row.event_type, std::nullopt,
            row.amount, row.currency, "", where() + ": " + std::move(detail));
  };
  const auto key = type ? key_of(row.rrn, *type) : std::nullopt;
  if (!key) return missing("the switch cleared no such record");
  switch_record* const found = index.find(*key);
  if (found == nullptr) {
    if (!row.business_date.empty() && row.business_date != date_text) {
      return missing("business date " + std::string(row.business_date) + ", not " +
                     std::string(date_text));
    }
    return missing("the switch cleared no such record");
  }
  // The bank dates a record as the switch does (an adjustment keeps its own, earlier date).
  if (!row.business_date.empty() &&
      (found->business_date == date
           ? row.business_date != date_text
           : row.business_date != protocol::format_date(found->business_date))) {
    return missing("business date " + std::string(row.business_date) +
                   ", the switch's record of that RRN has " +
                   protocol::format_date(found->business_date));
  }
  if (found->bank_line != 0) {
    out.add(discrepancy_class::duplicate_at_bank, row.rrn, row.stan, row.event_type, found->amount,
            row.amount, row.currency, found->payment_id(),
            where() + ": listed again (first on line " + std::to_string(found->bank_line) + ")");
    return;
  }
  found->bank_line = row.line;
  if (found->amount == row.amount && found->currency_code() == row.currency) {
    ++out.summary().matched;
    return;
  }
  out.add(discrepancy_class::amount_mismatch, row.rrn, row.stan, row.event_type, found->amount,
          row.amount, row.currency, found->payment_id(),
          where() + ": the switch cleared " + amount_text(found->amount, found->currency_code()) +
              "; the bank lists " + amount_text(row.amount, row.currency));
}

// Bank rows classified a few rows after they are read: each row's slot, and then its record, is
// prefetched while the rows before it are classified, so that in a file in another order than
// the switch's the lookups overlap their cache misses instead of waiting for each in turn. Rows
// are classified in file order all the same, so the results are the same.
class lookahead {
 public:
  lookahead(switch_index& index, std::chrono::year_month_day date, std::string_view date_text,
            findings& out)
      : index_(index), date_(date), date_text_(date_text), out_(out) {}

  void add(const bank_record& row) {
    if (!fits(row)) {
      // Too long to hold (the reader's checks keep every field short, so never): classified
      // now, after the rows before it.
      drain();
      classify(row, date_, date_text_, index_, out_);
      return;
    }
    held& h = ring_[count_ % depth];
    if (count_ >= depth) classify(h.row, date_, date_text_, index_, out_);
    hold(row, h);
    if (h.key) index_.prefetch_slot(*h.key);
    ++count_;
    if (count_ > depth / 2) {
      const held& ahead = ring_[(count_ - 1 - depth / 2) % depth];
      if (ahead.key) index_.prefetch_record(*ahead.key);
    }
  }

  // Classifies the rows still held.
  void drain() {
    for (std::uint64_t i = count_ > depth ? count_ - depth : 0; i < count_; ++i) {
      classify(ring_[i % depth].row, date_, date_text_, index_, out_);
    }
    count_ = 0;
  }

 private:
  static constexpr std::uint64_t depth = 16;

  // A row with its text copied, the views pointing into it.
  struct held {
    std::array<char, 64> text{};
    bank_record row;
    std::optional<record_key> key;
  };

  static bool fits(const bank_record& row) {
    return row.rrn.size() + row.stan.size() + row.event_type.size() + row.currency.size() +
               row.authorization_code.size() + row.business_date.size() <=
           held{}.text.size();
  }

  static void hold(const bank_record& row, held& h) {
    std::size_t used = 0;
    const auto copy = [&](std::string_view from) {
      std::copy(from.begin(), from.end(), h.text.data() + used);  // an empty view may be null
      const std::string_view to(h.text.data() + used, from.size());
      used += from.size();
      return to;
    };
    h.row = row;
    h.row.rrn = copy(row.rrn);
    h.row.stan = copy(row.stan);
    h.row.event_type = copy(row.event_type);
    h.row.currency = copy(row.currency);
    h.row.authorization_code = copy(row.authorization_code);
    h.row.business_date = copy(row.business_date);
    const auto type = bank_event_type(row.event_type);
    h.key = type ? key_of(row.rrn, *type) : std::nullopt;
  }

  switch_index& index_;
  std::chrono::year_month_day date_;
  std::string_view date_text_;
  findings& out_;
  std::array<held, depth> ring_;
  std::uint64_t count_ = 0;  // rows held since the last drain, classified ones included
};

// The switch's records no bank row matched, in clearing file order.
void report_missing_at_bank(switch_index& index, std::string_view clearing_file, findings& out) {
  for (const auto& r : index.records()) {
    if (r.bank_line != 0) continue;
    out.add(discrepancy_class::missing_at_bank, std::string_view(r.key.rrn.data(), r.key.rrn_size),
            std::string_view(r.stan.data(), r.stan_size),
            to_string(static_cast<event_type>(r.key.type)), r.amount, std::nullopt,
            r.currency_code(), r.payment_id(),
            "in " + std::string(clearing_file) + ", not in the bank's file");
  }
}

using match_key = std::tuple<discrepancy_class, std::string, std::string,
                             std::optional<std::int64_t>, std::optional<std::int64_t>, std::string>;

match_key match_key_of(const layout::discrepancy_record& d) {
  return {d.kind, d.rrn, d.event_type, d.switch_amount, d.bank_amount, d.currency};
}

// Merges this run's discrepancies into those stored for the channel and date: a repeat keeps its
// number and resolution, a new one is numbered after the last, and an open one not found again is
// closed by the run with a note.
result<void, clearing_error> store_findings(const clearing_context& ctx,
                                            const reconcile_request& request,
                                            std::vector<layout::discrepancy_record>& found,
                                            std::chrono::sys_seconds now,
                                            reconcile_summary& summary) {
  const book b(ctx.env);
  auto stored = b.discrepancies(request.channel, request.business_date);
  if (!stored) {
    return error_of(clearing_errc::store_failed,
                    "reading the stored discrepancies: " + stored.error().message());
  }
  std::multimap<match_key, std::size_t> unclaimed;  // stored index by what it records
  std::uint32_t next_number = 1;
  for (std::size_t i = 0; i < stored->size(); ++i) {
    unclaimed.emplace(match_key_of((*stored)[i].record), i);
    next_number = std::max(next_number, (*stored)[i].number + 1);
  }
  std::vector<store::unit_of_work> units;
  for (auto& d : found) {
    const auto it = unclaimed.find(match_key_of(d));
    if (it != unclaimed.end()) {
      unclaimed.erase(it);
      continue;
    }
    units.push_back(
        record_discrepancy(request.channel, request.business_date, next_number++, d, std::nullopt));
    ++summary.stored_new;
  }
  for (const auto& [key, i] : unclaimed) {
    const auto& before = (*stored)[i].record;
    if (!before.open()) continue;
    auto after = before;
    after.resolved_by = "switchyard reconcile";
    after.resolved_at = now;
    after.note = "not found again by the reconciliation of " + request.bank_file;
    units.push_back(record_discrepancy(request.channel, request.business_date, (*stored)[i].number,
                                       after, before));
    ++summary.closed;
  }
  const auto outcome = store::commit_all_and_wait(ctx.writer, std::move(units));
  if (outcome.error) {
    return error_of(clearing_errc::store_failed,
                    "storing the discrepancies: " + outcome.error.message() +
                        " (the report stands; reconcile again to store them)");
  }
  return {};
}

}  // namespace

std::string recon_file_name(std::string_view channel, std::chrono::year_month_day date) {
  std::string compact = protocol::format_date(date);
  std::erase(compact, '-');
  return "recon_" + std::string(channel) + "_" + compact + ".csv";
}

result<reconcile_summary, clearing_error> reconcile(const clearing_context& ctx,
                                                    const reconcile_request& request,
                                                    std::chrono::sys_seconds now) {
  const auto channel =
      std::find_if(ctx.cfg.channels.begin(), ctx.cfg.channels.end(),
                   [&](const config::channel& c) { return c.id == request.channel; });
  if (channel == ctx.cfg.channels.end()) {
    return error_of(clearing_errc::bad_input,
                    "channel " + request.channel + " is not in the configuration");
  }
  auto mapping = bank_file_mapping::make(channel->settlement_columns);
  if (!mapping) {
    return error_of(clearing_errc::bad_input,
                    "channel " + request.channel + " settlement_columns: " + mapping.error());
  }
  const std::string date = protocol::format_date(request.business_date);
  auto seal = book(ctx.env).batch(request.business_date);
  if (!seal) {
    return error_of(clearing_errc::store_failed,
                    "reading the seal of " + date + ": " + seal.error().message());
  }
  if (!*seal) {
    return error_of(clearing_errc::not_cleared,
                    date + " is not cleared yet: run `switchyard clear --date " + date + "` first");
  }
  std::ifstream in(request.bank_file, std::ios::binary);
  if (!in) {
    return error_of(clearing_errc::bad_input,
                    "cannot open " + request.bank_file + ": " + std::strerror(errno));
  }
  auto index = index_of(ctx, **seal, request.channel);
  if (!index) return index.error();

  const std::string name = recon_file_name(request.channel, request.business_date);
  auto report = output_file::create(ctx.cfg.clearing.output_dir, name,
                                    std::to_string(now.time_since_epoch().count()));
  if (!report) {
    return error_of(clearing_errc::output_failed, "cannot write " + name + " in " +
                                                      ctx.cfg.clearing.output_dir + ": " +
                                                      report.error().message());
  }
  findings out(std::move(*report), request.channel, now);
  out.summary().switch_records = index->records().size();
  lookahead rows(*index, request.business_date, date, out);
  const auto refused = read_bank_file(in, *mapping, [&](const bank_record& row) {
    rows.add(row);
    return true;
  });
  if (refused) {
    // The report is never published: a partial one would read as complete.
    return error_of(clearing_errc::bad_input, request.bank_file + ": " + to_string(*refused));
  }
  rows.drain();
  report_missing_at_bank(*index, clearing_file_name(request.channel, request.business_date), out);
  if (auto done = out.finish(); !done) {
    return error_of(clearing_errc::output_failed,
                    "writing " + name + ": " + done.error().message());
  }
  const auto sign = signer_of(ctx);
  if (auto done = out.report().publish(sign ? &*sign : nullptr); !done) {
    return error_of(clearing_errc::output_failed,
                    "publishing " + name + ": " + done.error().message());
  }
  auto summary = out.summary();
  summary.report_path = ctx.cfg.clearing.output_dir + "/" + name;
  if (out.too_many()) {
    return error_of(clearing_errc::bad_input,
                    "more than " + std::to_string(limits::reconcile_stored_discrepancy_count_max) +
                        " discrepancies (is " + request.bank_file + " the file of " +
                        request.channel + " for " + date + "?): " + summary.report_path +
                        " lists them all; none was stored");
  }
  if (auto stored = store_findings(ctx, request, out.found(), now, summary); !stored) {
    return stored.error();
  }
  return summary;
}

}  // namespace sy::clearing
