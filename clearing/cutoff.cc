// A clearing run: which journal entries a date presents, their fees, the member list that makes
// the seal reproducible, the seal itself, and the check of a sealed date's files.
#include "clearing/cutoff.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "clearing/batch_files.h"
#include "clearing/book.h"
#include "clearing/fees.h"
#include "clearing/ids.h"
#include "clearing/store/errc.h"
#include "config/assert.h"
#include "config/limits.h"
#include "hsm/digest.h"
#include "protocol/card_brand.h"
#include "protocol/merchant_resources.h"

namespace sy::clearing {
namespace {

using std::chrono::year_month_day;

constexpr std::array<std::string_view, 9> clearing_errc_names{
    "date_open",    "merchant_unknown", "book_inconsistent", "not_reproducible", "concurrent_run",
    "store_failed", "output_failed",    "not_cleared",       "bad_input"};

clearing_error failure(clearing_errc code, std::string message) {
  return {code, std::move(message)};
}

clearing_error store_failure(std::string_view doing, const error_code& ec) {
  return failure(clearing_errc::store_failed, std::string(doing) + ": " + ec.message());
}

std::string text_of(year_month_day date) {
  return protocol::format_date(date);
}

// Sales and captures take money from the cardholder, refunds give it back; authorizations and
// voids move none, declined and failed attempts did not happen (specs/clearing-files.md).
bool presents(const payment_event& e) noexcept {
  return e.result == event_result::approved &&
         (e.type == event_type::sale || e.type == event_type::capture ||
          e.type == event_type::refund);
}

layout::batch_member member_of(const payment_event& e) {
  layout::batch_member m{e.business_date, {}};
  // The id came from the stamper: it parses (a journal entry whose id does not is corrupt, and
  // its key would not match; store check reports it).
  if (const auto id = parse_id(e.id, id_kind::event)) m.event = id->bytes;
  return m;
}

std::string event_id_of(const layout::batch_member& m) {
  return to_string(object_id{id_kind::event, m.event});
}

// A run's member list, read a chunk at a time in order: the journal entries its seal names.
class member_cursor {
 public:
  member_cursor(const book& b, year_month_day date, std::uint64_t run, std::uint32_t chunk_count)
      : book_(b), date_(date), run_(run), chunk_count_(chunk_count) {}

  // Whether the list holds `m`; calls must come in ascending order (journal order).
  result<bool> holds(const layout::batch_member& m) {
    for (;;) {
      if (pos_ == chunk_.size()) {
        if (next_chunk_ == chunk_count_) return false;
        if (const auto ec = load_next()) return result<bool>(boost::system::in_place_error, ec);
        continue;
      }
      if (chunk_[pos_] < m) {
        ++pos_;
        continue;
      }
      return chunk_[pos_] == m;
    }
  }

  // The next member, for walking the whole list; nullopt at its end.
  result<std::optional<layout::batch_member>> next() {
    while (pos_ == chunk_.size()) {
      if (next_chunk_ == chunk_count_) return std::optional<layout::batch_member>{};
      if (const auto ec = load_next()) return ec;
    }
    return std::optional<layout::batch_member>{chunk_[pos_++]};
  }

 private:
  error_code load_next() {
    auto chunk = book_.batch_members(date_, run_, next_chunk_++);
    if (!chunk) return chunk.error();
    chunk_ = std::move(*chunk);
    pos_ = 0;
    return {};
  }

  const book& book_;
  year_month_day date_;
  std::uint64_t run_;
  std::uint32_t chunk_count_;
  std::uint32_t next_chunk_ = 0;
  std::vector<layout::batch_member> chunk_;
  std::size_t pos_ = 0;
};

// A date's journal read a page per read transaction on a thread of its own, while the caller
// works through the page before: reading and decoding take about as long as making the rows, so
// a run on two cores takes half as long. The pages (limits::clearing_journal_page_count entries
// each, three of them) go round between the two threads, so the reader decodes into entries
// whose strings keep their storage and allocates nothing once the pages are warm.
class journal_reader {
 public:
  struct page {
    std::vector<layout::journal_entry> entries;
    error_code error;   // the read failed: no entries, and no page after it
    bool last = false;  // the date's last page (it may be empty)
  };

  journal_reader(const book& b, year_month_day date) : book_(b), date_(date) {
    for (auto& p : pages_) free_.push_back(&p);
    thread_ = std::thread([this] { run(); });
  }

  // An early return of the caller stops the reader after the page it is reading.
  ~journal_reader() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;

  // The next page, which stays valid until the next call; none after the last one.
  const page& next() {
    std::unique_lock lock(mutex_);
    if (current_ != nullptr) free_.push_back(std::exchange(current_, nullptr));
    changed_.notify_all();
    changed_.wait(lock, [&] { return !full_.empty(); });
    current_ = full_.front();
    full_.pop_front();
    return *current_;
  }

 private:
  void run() {
    std::string after;
    for (;;) {
      page* p = nullptr;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !free_.empty(); });
        if (stopping_) return;
        p = free_.back();
        free_.pop_back();
      }
      const auto read =
          book_.journal(date_, after, limits::clearing_journal_page_count, p->entries);
      p->error = read ? error_code() : read.error();
      p->last = !read || p->entries.size() < limits::clearing_journal_page_count;
      if (!p->last) after = p->entries.back().event.id;
      {
        const std::lock_guard lock(mutex_);
        full_.push_back(p);
      }
      changed_.notify_all();
      if (p->last) return;
    }
  }

  const book& book_;
  year_month_day date_;
  std::array<page, 3> pages_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<page*> free_;  // for the reader to fill
  std::deque<page*> full_;   // read, in journal order, for the caller
  page* current_ = nullptr;  // the caller's
  bool stopping_ = false;
  std::thread thread_;
};

// Visits a date's journal in order; `visit` returns an error to stop.
template <class Visit>
result<void, clearing_error> walk_journal(const book& b, year_month_day date, Visit visit) {
  journal_reader reader(b, date);
  for (;;) {
    const auto& page = reader.next();
    if (page.error) return store_failure("reading the journal of " + text_of(date), page.error);
    for (const auto& entry : page.entries) {
      if (auto visited = visit(entry); !visited) return visited.error();
    }
    if (page.last) return {};
  }
}

// One run over one date: presents entries into the batch files and lists them as members.
class clearing_run {
 public:
  clearing_run(const clearing_context& ctx, year_month_day date, std::uint64_t run)
      : ctx_(ctx), book_(ctx.env), date_(date), run_(run) {
    for (const auto& m : ctx.cfg.merchants) merchants_.emplace(m.id, &m);
  }

  result<void, clearing_error> open(std::span<const std::string> channels,
                                    std::span<const std::string> merchants) {
    auto opened =
        batch_writer::open(ctx_.cfg.clearing.output_dir, date_, run_, channels, merchants);
    if (!opened) return output_failure("opening", opened.error());
    files_ = std::move(*opened);
    return {};
  }

  // Presents `entry` when it settles; records it as a member either way it is taken.
  result<void, clearing_error> take(const layout::journal_entry& entry, bool adjustment) {
    const auto& e = entry.event;
    if (e.type == event_type::reversal && e.result == event_result::approved) {
      return check_reversal(e);
    }
    if (!presents(e)) return {};
    if (!entry.channel) {
      return failure(clearing_errc::book_inconsistent, "journal entry " + e.id + " of " +
                                                           text_of(e.business_date) +
                                                           " is approved without a channel");
    }
    auto fee = fee_of(entry);
    if (!fee) return fee.error();
    const std::int64_t amount = e.type == event_type::refund ? -e.amount.amount : e.amount.amount;
    if (auto added = files_->add({&entry, amount, *fee, adjustment}); !added) {
      return output_failure("writing", added.error());
    }
    members_.push_back(member_of(e));
    ++member_count_;
    if (adjustment) ++adjustment_count_;
    if (members_.size() == layout::batch_members_per_chunk) return flush_members();
    return {};
  }

  // Writes the files' trailers and the member list; the files wait for publish().
  result<std::vector<layout::batch_file>, clearing_error> finish() {
    if (auto flushed = flush_members(); !flushed) return flushed.error();
    auto files = files_->finish();
    if (!files) return output_failure("writing", files.error());
    return std::move(*files);
  }

  result<void, clearing_error> publish(const file_signer* sign) {
    if (auto published = files_->publish(sign); !published) {
      return output_failure("publishing", published.error());
    }
    return {};
  }

  // Commits the member list chunks not yet written (finish() leaves the last ones).
  result<void, clearing_error> commit_chunks() {
    const std::uint32_t first = chunk_count_ - static_cast<std::uint32_t>(pending_chunks_.size());
    auto units = batch_parts(date_, run_, {}, pending_chunks_, first);
    pending_chunks_.clear();
    if (units.empty()) return {};
    const auto outcome = store::commit_all_and_wait(ctx_.writer, std::move(units));
    if (outcome.error) return store_failure("writing the member list", outcome.error);
    return {};
  }

  std::uint64_t member_count() const noexcept { return member_count_; }
  std::uint32_t chunk_count() const noexcept { return chunk_count_; }
  std::uint64_t adjustment_count() const noexcept { return adjustment_count_; }

  // A run that only regenerates files keeps its member list to itself.
  void keep_members_unwritten() noexcept { write_members_ = false; }

 private:
  clearing_error output_failure(std::string_view doing, const error_code& ec) const {
    return failure(clearing_errc::output_failed,
                   std::string(doing) + " the files of " + text_of(date_) + " in " +
                       ctx_.cfg.clearing.output_dir + ": " + ec.message());
  }

  // A reversal in this book always undoes a request that has no approved event (a timed-out
  // request is failed, and a late approval of it is refused: docs/payments.md), so it removes
  // nothing from the files and adds no row. A reversal beside an approved event of the request
  // it reverses would break that; clearing refuses to guess which one the bank kept.
  result<void, clearing_error> check_reversal(const payment_event& reversal) {
    auto events = book_.events(reversal.payment_id);
    if (!events)
      return store_failure("reading the events of " + reversal.payment_id, events.error());
    for (const auto& e : *events) {
      if (presents(e) && e.rrn && e.rrn == reversal.rrn) {
        return failure(clearing_errc::book_inconsistent,
                       "reversal " + reversal.id + " reverses approved event " + e.id + " of " +
                           reversal.payment_id + " (RRN " + *e.rrn +
                           "): the payment model never records both");
      }
    }
    return {};
  }

  result<std::int64_t, clearing_error> fee_of(const layout::journal_entry& entry) {
    const auto& e = entry.event;
    const auto m = merchants_.find(entry.merchant_id);
    if (m == merchants_.end()) {
      return failure(clearing_errc::merchant_unknown,
                     "merchant " + entry.merchant_id + " has events on " +
                         text_of(e.business_date) +
                         " but is not in the configuration: its fee schedule is needed");
    }
    const auto& fees = m->second->fees;
    const auto* card = std::get_if<protocol::card_summary>(&entry.payment_method);
    const std::string_view brand = card ? protocol::to_string(card->brand) : std::string_view();
    const auto& rate = rate_for(fees, brand, *entry.channel);
    if (e.type != event_type::refund) return payment_fee(rate, e.amount.amount);
    std::int64_t settled = e.amount.amount;  // only the refund policy reads it
    if (fees.refund_policy == config::refund_fee_policy::refund) {
      auto payment = book_.payment(e.payment_id);
      if (!payment) return store_failure("reading payment " + e.payment_id, payment.error());
      settled = payment->resource.amount_captured;
      if (settled < e.amount.amount) {
        return failure(
            clearing_errc::book_inconsistent,
            "refund event " + e.id + " refunds more than payment " + e.payment_id + " captured");
      }
    }
    return refund_fee(fees, rate, e.amount.amount, settled);
  }

  result<void, clearing_error> flush_members() {
    if (members_.empty()) return {};
    std::string chunk = layout::encode(std::span<const layout::batch_member>(members_));
    members_.clear();
    if (!write_members_) return {};
    pending_chunks_.push_back(std::move(chunk));
    ++chunk_count_;
    // A commit per few hundred thousand members: the list never waits in memory whole.
    if (pending_chunks_.size() == limits::store_unit_op_count_max * 4) return commit_chunks();
    return {};
  }

 private:
  const clearing_context& ctx_;
  book book_;
  year_month_day date_;
  std::uint64_t run_;
  std::unordered_map<std::string, const config::merchant*> merchants_;
  std::unique_ptr<batch_writer> files_;
  std::vector<layout::batch_member> members_;  // the chunk being filled
  std::vector<std::string> pending_chunks_;    // encoded, not yet committed
  bool write_members_ = true;
  std::uint64_t member_count_ = 0;
  std::uint32_t chunk_count_ = 0;
  std::uint64_t adjustment_count_ = 0;
};

std::vector<std::string> channel_ids(const config::config& cfg) {
  std::vector<std::string> out;
  for (const auto& c : cfg.channels) out.push_back(c.id);
  return out;
}

std::vector<std::string> merchant_ids(const config::config& cfg) {
  std::vector<std::string> out;
  for (const auto& m : cfg.merchants) out.push_back(m.id);
  return out;
}

std::vector<std::string> parties_of(std::span<const layout::batch_file> files,
                                    layout::file_kind kind) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    if (f.kind == kind) out.push_back(f.party);
  }
  return out;
}

// The events of sealed-too-early date `seal` that its member list does not name: they reached
// the date after its seal, in journal order.
result<std::vector<layout::journal_entry>, clearing_error> late_events(
    const book& b, const layout::batch_record& seal) {
  std::vector<layout::journal_entry> late;
  member_cursor members(b, seal.business_date, seal.run, seal.chunk_count);
  auto walked =
      walk_journal(b, seal.business_date,
                   [&](const layout::journal_entry& entry) -> result<void, clearing_error> {
                     if (!presents(entry.event)) return {};
                     auto held = members.holds(member_of(entry.event));
                     if (!held) return store_failure("reading a member list", held.error());
                     if (!*held) late.push_back(entry);
                     return {};
                   });
  if (!walked) return walked.error();
  return late;
}

// The digest of the file at `path`; empty when it cannot be read.
std::string digest_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  hsm::sha256_stream digest;
  std::string chunk(limits::clearing_write_buffer_size, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    digest.update(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return {};
  return hsm::to_lower_hex(digest.finish());
}

// Whether every file of a sealed batch is in place with the digest its seal records, its
// companion included, and its signature when the files are signed.
bool files_intact(const std::string& dir, std::span<const layout::batch_file> files, bool signed_) {
  return std::all_of(files.begin(), files.end(), [&](const layout::batch_file& f) {
    return read_sha256_companion(dir, f.file_name) == f.sha256 &&
           digest_of_file(dir + "/" + f.file_name) == f.sha256 &&
           (!signed_ || std::filesystem::exists(dir + "/" + f.file_name + ".sig"));
  });
}

std::uint64_t random_run() {
  std::array<std::uint8_t, 8> bytes{};
  std::uint64_t run = 0;
  // Without the kernel's random source, the clock keeps concurrent runs apart well enough: the
  // run only names temporary files and leftover records.
  if (!system_random(bytes)) {
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  for (const auto b : bytes) run = (run << 8) | b;
  return run;
}

}  // namespace

result<void, clearing_error> visit_sealed(const store::environment& env,
                                          const layout::batch_record& seal,
                                          const sealed_visitor& visit) {
  const book b(env);
  const year_month_day date = seal.business_date;
  member_cursor members(b, date, seal.run, seal.chunk_count);
  // Adjustments (earlier dates) come first in the list, each read by its key.
  std::optional<layout::batch_member> pending;
  for (;;) {
    auto m = members.next();
    if (!m) return store_failure("reading the member list of " + text_of(date), m.error());
    if (!*m || (*m)->business_date == date) {
      pending = *m;
      break;
    }
    auto entry = b.journal_entry((*m)->business_date, event_id_of(**m));
    if (!entry) {
      return failure(clearing_errc::book_inconsistent,
                     "sealed date " + text_of(date) + " names journal entry " + event_id_of(**m) +
                         " of " + text_of((*m)->business_date) +
                         ", which cannot be read: " + entry.error().message());
    }
    if (auto visited = visit(*entry, true); !visited) return visited;
  }
  auto walked = walk_journal(
      b, date, [&](const layout::journal_entry& entry) -> result<void, clearing_error> {
        if (!pending || !presents(entry.event)) return {};
        if (member_of(entry.event) != *pending) return {};  // reached the date after its seal
        auto next = members.next();
        if (!next)
          return store_failure("reading the member list of " + text_of(date), next.error());
        pending = *next;
        return visit(entry, false);
      });
  if (!walked) return walked;
  if (pending) {
    return failure(clearing_errc::book_inconsistent,
                   "sealed date " + text_of(date) + " names journal entry " +
                       event_id_of(*pending) + ", which its journal does not hold");
  }
  return {};
}

namespace {

// A sealed date: its files checked, and regenerated from its member list when any is missing or
// altered.
result<clearing_report, clearing_error> reproduce(const clearing_context& ctx,
                                                  const layout::batch_record& seal) {
  const book b(ctx.env);
  const year_month_day date = seal.business_date;
  auto expected = b.batch_files(date, seal.run);
  if (!expected) return store_failure("reading the files of " + text_of(date), expected.error());
  clearing_report report{false, seal, *expected, {}};
  const std::string& dir = ctx.cfg.clearing.output_dir;
  const auto sign = signer_of(ctx);
  if (files_intact(dir, *expected, sign.has_value())) return report;

  clearing_run run(ctx, date, random_run());
  run.keep_members_unwritten();
  if (auto opened = run.open(parties_of(*expected, layout::file_kind::clearing),
                             parties_of(*expected, layout::file_kind::settlement));
      !opened) {
    return opened.error();
  }
  auto visited = visit_sealed(
      ctx.env, seal,
      [&](const layout::journal_entry& entry, bool adjustment) -> result<void, clearing_error> {
        return run.take(entry, adjustment);
      });
  if (!visited) return visited.error();
  if (run.member_count() != seal.member_count) {
    return failure(clearing_errc::book_inconsistent,
                   "sealed date " + text_of(date) + " names " + std::to_string(seal.member_count) +
                       " journal entries; " + std::to_string(run.member_count()) +
                       " were found in the journal");
  }
  auto files = run.finish();
  if (!files) return files.error();
  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto& made = (*files)[i];
    const auto& sealed = (*expected)[i];
    if (made.file_name != sealed.file_name || made.sha256 != sealed.sha256) {
      return failure(clearing_errc::not_reproducible,
                     made.file_name + " regenerates with SHA-256 " + made.sha256 +
                         " but its seal records " + sealed.sha256 +
                         " (a fee schedule changed since the date was sealed?); nothing "
                         "was written: restore the file from its copy");
    }
  }
  if (auto published = run.publish(sign ? &*sign : nullptr); !published) {
    return published.error();
  }
  return report;
}

// The earlier dates sealed before no event could reach them any more, oldest first, as many as
// one seal unit can finalize.
result<std::vector<layout::batch_record>, clearing_error> open_seals(const book& b,
                                                                     year_month_day date) {
  const auto first = year_month_day{std::chrono::sys_days{date} -
                                    std::chrono::days{limits::clearing_catch_up_days}};
  const auto last = year_month_day{std::chrono::sys_days{date} - std::chrono::days{1}};
  auto seals = b.batches(first, last);
  if (!seals) return store_failure("reading the seals before " + text_of(date), seals.error());
  std::vector<layout::batch_record> out;
  for (auto& s : *seals) {
    if (!s.final && out.size() + 1 < limits::store_unit_op_count_max) out.push_back(std::move(s));
  }
  return out;
}

// Erases what a run that did not seal wrote, so only the seal's run keeps records.
void erase_leftovers(const clearing_context& ctx, year_month_day date, std::uint64_t run) {
  const book b(ctx.env);
  std::vector<std::string> keys;
  for (const auto& prefix :
       {layout::batch_files_of(date, run), layout::batch_members_of(date, run)}) {
    if (auto found = b.batch_keys(prefix)) keys.insert(keys.end(), found->begin(), found->end());
  }
  // A failure leaves records no seal names: nothing reads them (a seal names its own run), and
  // they take only space.
  (void)store::commit_all_and_wait(ctx.writer, erase_batch_records(keys));
}

result<clearing_report, clearing_error> seal_new(const clearing_context& ctx, year_month_day date,
                                                 std::chrono::sys_seconds now) {
  const book b(ctx.env);
  auto earlier = open_seals(b, date);
  if (!earlier) return earlier.error();
  const std::uint64_t run_id = random_run();
  clearing_run run(ctx, date, run_id);
  if (auto opened = run.open(channel_ids(ctx.cfg), merchant_ids(ctx.cfg)); !opened) {
    return opened.error();
  }
  const auto abandon = [&](clearing_error e) {
    erase_leftovers(ctx, date, run_id);
    return e;
  };
  std::vector<finalized_batch> finalized;
  for (const auto& seal : *earlier) {
    auto late = late_events(b, seal);
    if (!late) return abandon(late.error());
    for (const auto& entry : *late) {
      if (auto taken = run.take(entry, true); !taken) return abandon(taken.error());
    }
    auto after = seal;
    after.final = true;
    finalized.push_back({seal, after});
  }
  auto walked = walk_journal(
      b, date, [&](const layout::journal_entry& entry) { return run.take(entry, false); });
  if (!walked) return abandon(walked.error());
  auto files = run.finish();
  if (!files) return abandon(files.error());
  if (auto committed = run.commit_chunks(); !committed) return abandon(committed.error());
  const auto parts =
      store::commit_all_and_wait(ctx.writer, batch_parts(date, run_id, *files, {}, 0));
  if (parts.error) return abandon(store_failure("writing the file summaries", parts.error));

  const std::chrono::seconds settled_after{
      std::max(ctx.cfg.clearing.grace_s, limits::clearing_final_margin_s)};
  const layout::batch_record seal{date,
                                  run_id,
                                  now,
                                  now >= ctx.calendar.close_of(date) + settled_after,
                                  run.member_count(),
                                  run.chunk_count(),
                                  static_cast<std::uint32_t>(files->size()),
                                  run.adjustment_count()};
  const auto sealed = store::commit_and_wait(ctx.writer, seal_batch(seal, finalized));
  if (sealed.error == store::errc::key_exists) {
    // Another run sealed the date first: its seal stands, and its files are the date's.
    erase_leftovers(ctx, date, run_id);
    auto theirs = b.batch(date);
    if (!theirs || !*theirs) {
      return failure(clearing_errc::concurrent_run,
                     "another run sealed " + text_of(date) + " but its seal cannot be read");
    }
    return reproduce(ctx, **theirs);
  }
  if (sealed.error == store::errc::record_changed) {
    return abandon(failure(clearing_errc::concurrent_run,
                           "another run took the late events of an earlier date meanwhile; "
                           "clear " +
                               text_of(date) + " again"));
  }
  if (sealed.error) return abandon(store_failure("sealing " + text_of(date), sealed.error));
  // Sealed: from here a failure to publish is mended by clearing the date again.
  const auto sign = signer_of(ctx);
  if (auto published = run.publish(sign ? &*sign : nullptr); !published) {
    return published.error();
  }
  clearing_report report{true, seal, std::move(*files), {}};
  for (const auto& f : finalized) report.finalized.push_back(f.after.business_date);
  return report;
}

}  // namespace

result<std::string> file_signature(hsm::backend& hsm, std::string_view key, std::string_view name,
                                   std::string_view sha256) {
  // The active version, named in the signature, signs: a rotation between the two calls cannot
  // make the file name one version and carry another's HMAC.
  const auto info = hsm.describe({key, 0});
  if (!info) return info.error();
  const std::array<std::string_view, 5> parts{"switchyard-file-signature-v1\n", name, "\n", sha256,
                                              "\n"};
  const auto mac = hsm.hmac({key, info->version}, hsm::key_type::file_signing, parts);
  if (!mac) return mac.error();
  return hsm::to_lower_hex(*mac) + "  " + std::string(name) + "  key=" + std::string(key) +
         " version=" + std::to_string(info->version) + "\n";
}

std::optional<file_signer> signer_of(const clearing_context& ctx) {
  if (!ctx.cfg.clearing.signing_key) return std::nullopt;
  SY_VERIFY(ctx.hsm != nullptr);
  return file_signer([hsm = ctx.hsm, key = *ctx.cfg.clearing.signing_key](std::string_view name,
                                                                          std::string_view sha256) {
    return file_signature(*hsm, key, name, sha256);
  });
}

std::string_view to_string(clearing_errc e) noexcept {
  return clearing_errc_names[static_cast<std::size_t>(e)];
}

result<clearing_report, clearing_error> clear_date(const clearing_context& ctx, year_month_day date,
                                                   std::chrono::sys_seconds now) {
  const auto closes = ctx.calendar.close_of(date);
  if (now < closes) {
    return failure(
        clearing_errc::date_open,
        text_of(date) + " is still open: it closes at " +
            format_event_time(std::chrono::time_point_cast<std::chrono::milliseconds>(closes)));
  }
  std::error_code ec;
  std::filesystem::create_directories(ctx.cfg.clearing.output_dir, ec);
  if (ec) {
    return failure(clearing_errc::output_failed,
                   "cannot create " + ctx.cfg.clearing.output_dir + ": " + ec.message());
  }
  const book b(ctx.env);
  auto seal = b.batch(date);
  if (!seal) return store_failure("reading the seal of " + text_of(date), seal.error());
  if (*seal) return reproduce(ctx, **seal);
  return seal_new(ctx, date, now);
}

result<std::vector<year_month_day>> dates_due(const store::environment& env,
                                              const business_calendar& calendar,
                                              std::int64_t grace_s, std::chrono::sys_seconds now) {
  const book b(env);
  const auto today = calendar.date_of(std::chrono::time_point_cast<std::chrono::milliseconds>(now));
  const auto first = year_month_day{std::chrono::sys_days{today} -
                                    std::chrono::days{limits::clearing_catch_up_days}};
  auto seals = b.batches(first, today);
  if (!seals) return seals.error();
  std::vector<year_month_day> due;
  for (auto day = std::chrono::sys_days{first}; day <= std::chrono::sys_days{today};
       day += std::chrono::days{1}) {
    const year_month_day date{day};
    if (calendar.close_of(date) + std::chrono::seconds{grace_s} > now) continue;
    if (std::any_of(seals->begin(), seals->end(),
                    [&](const layout::batch_record& s) { return s.business_date == date; })) {
      continue;
    }
    auto page = b.journal(date, {}, 1);
    if (!page) return page.error();
    if (!page->empty()) due.push_back(date);
  }
  return due;
}

}  // namespace sy::clearing
