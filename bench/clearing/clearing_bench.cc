// Clearing and reconciliation at scale: one business date of SY_BENCH_EVENTS journal entries
// (default 10,000,000) in a real store on disk, cleared into its files and sealed, then a bank file
// of as many rows reconciled against it. Targets: at least 1,000,000 events per second for
// clearing and for reconciliation each. Reports each run's rate and the peak heap (sampled every
// 10 ms), peak RSS and the CPU time of all its threads; the RSS includes the store's pages the
// kernel keeps mapped.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "clearing/book.h"
#include "clearing/business_date.h"
#include "clearing/cutoff.h"
#include "clearing/ids.h"
#include "clearing/layout.h"
#include "clearing/reconcile.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "protocol/currency.h"

namespace {

namespace clearing = sy::clearing;
namespace store = sy::clearing::store;
using namespace std::chrono_literals;

constexpr std::chrono::year_month_day date{std::chrono::year{2026}, std::chrono::November,
                                           std::chrono::day{21}};
constexpr std::size_t merchant_count = 100;
constexpr std::size_t channel_count = 1;  // the bank file lists every event: N against N

std::size_t event_count() {
  const char* v = std::getenv("SY_BENCH_EVENTS");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 10'000'000;
}

// The heap in use at its highest while a run lasts, sampled: what the run itself holds.
class heap_sampler {
 public:
  heap_sampler() : base_(in_use()), thread_([this] { run(); }) {}
  ~heap_sampler() {
    stop_ = true;
    thread_.join();
  }
  double peak_mib() const {
    return static_cast<double>(peak_ - std::min(peak_.load(), base_)) / (1 << 20);
  }

 private:
  static std::size_t in_use() {
    const auto m = ::mallinfo2();
    return m.uordblks + m.hblkhd;
  }
  void run() {
    while (!stop_) {
      const auto now = in_use();
      if (now > peak_) peak_ = now;
      std::this_thread::sleep_for(10ms);
    }
  }
  std::size_t base_;
  std::atomic<std::size_t> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// User and system time of every thread of the process: on a shared machine the wall time says as
// much about the neighbours as about the run, this does not.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024;
}

// Puts a file the benchmark wrote on disk before a run reads it: a bank's file arrives long
// before its reconciliation, and a run that fsyncs its report would otherwise wait for the
// writeback of the benchmark's own gigabyte.
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Coalesces the free chunks the benchmark's own set-up left (millions of strings): the heap
// sampler's mallinfo2 walks every free chunk under the arena's lock, and the run's own mallocs
// would wait for it.
void settle_heap() {
  ::malloc_trim(0);
}

// One store, filled once, shared by both benchmarks (reconciliation needs the sealed date).
struct scale_store {
  std::string dir;
  std::unique_ptr<store::environment> env;
  std::unique_ptr<store::writer> writer;
  sy::config::config cfg;
  std::optional<clearing::business_calendar> calendar;
  std::string bank_file;

  scale_store() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sy-clearing-bench-XXXXXX").string();
    dir = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    store::environment_options o;
    o.path = dir + "/store";
    o.map_size_bytes = std::int64_t{16} << 30;
    env = std::move(*store::environment::open(o));
    writer = std::make_unique<store::writer>(*env);
    cfg.clearing.output_dir = dir + "/out";
    for (std::size_t i = 0; i < merchant_count; ++i) {
      sy::config::merchant m;
      m.id = "m" + std::to_string(i);
      m.fees.base = {150, 10};
      m.fees.overrides.push_back({"mastercard", "", {200, 0}});
      m.fees.refund_policy =
          i % 2 == 0 ? sy::config::refund_fee_policy::keep : sy::config::refund_fee_policy::charge;
      cfg.merchants.push_back(m);
    }
    for (std::size_t i = 0; i < channel_count; ++i) {
      sy::config::channel c;
      c.id = "bank" + std::to_string(i);
      cfg.channels.push_back(c);
    }
    calendar.emplace(*clearing::business_calendar::make({23, 0}, "UTC"));
    fill();
  }
  ~scale_store() {
    writer.reset();
    env.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // The journal of `date` as the payment flow writes it, and the bank's file listing the same
  // presented events.
  void fill() {
    const std::size_t n = event_count();
    clearing::id_generator ids;
    const auto start = clearing::event_time{std::chrono::sys_days{date}} - 1h;
    std::ofstream bank(dir + "/bank.csv", std::ios::binary);
    bank_file = dir + "/bank.csv";
    bank << "rrn,stan,event_type,amount,currency,authorization_code,business_date\n";
    std::vector<store::unit_of_work> units;
    store::unit_of_work unit;
    const auto cny = *sy::protocol::find_currency("CNY");
    for (std::size_t i = 0; i < n; ++i) {
      clearing::layout::journal_entry e;
      const auto at = start + std::chrono::milliseconds(i * 8'000'000 / n * 10);
      e.event.id = *ids.next_text(clearing::id_kind::event, at);
      e.event.payment_id = *ids.next_text(clearing::id_kind::payment, at);
      const auto kind = i % 10;
      e.event.type = kind < 8   ? clearing::event_type::sale
                     : kind < 9 ? clearing::event_type::capture
                                : clearing::event_type::refund;
      e.event.result = clearing::event_result::approved;
      e.event.amount = {static_cast<std::int64_t>(100 + i % 100'000), cny};
      char rrn[24];
      std::snprintf(rrn, sizeof rrn, "%012zu", i);
      e.event.rrn = rrn;
      char stan[24];
      std::snprintf(stan, sizeof stan, "%06zu", i % 1'000'000);
      e.event.stan = stan;
      e.event.authorization_code = "A1B2C3";
      e.event.response_code = "00";
      e.event.time = at;
      e.event.business_date = date;
      e.merchant_id = "m" + std::to_string(i % merchant_count);
      e.channel = "bank" + std::to_string(i % channel_count);
      e.payment_method = sy::protocol::card_summary{
          i % 3 == 0 ? sy::protocol::card_brand::mastercard : sy::protocol::card_brand::visa,
          "411111", "1111", 12, 2030};
      if (i % channel_count == 0) {
        const auto signed_amount = e.event.type == clearing::event_type::refund
                                       ? -e.event.amount.amount
                                       : e.event.amount.amount;
        bank << rrn << ',' << stan << ',' << clearing::to_string(e.event.type) << ','
             << signed_amount << ",CNY,A1B2C3,2026-11-21\n";
      }
      unit.ops.push_back(store::operation::put(
          store::table::journal, clearing::layout::journal_key(date, e.event.id),
          clearing::layout::kind_byte(clearing::layout::kind::journal_entry),
          clearing::layout::encode(e)));
      if (unit.ops.size() == sy::limits::store_unit_op_count_max) {
        units.push_back(std::move(unit));
        unit = {};
      }
      if (units.size() == 4096) {
        store::commit_all_and_wait(*writer, std::move(units));
        units.clear();
      }
    }
    if (!unit.ops.empty()) units.push_back(std::move(unit));
    store::commit_all_and_wait(*writer, std::move(units));
    bank.close();
    sync_file(bank_file);
    settle_heap();
  }

  clearing::clearing_context context() const { return {*env, *writer, cfg, *calendar}; }
};

scale_store& shared_store() {
  static scale_store s;
  return s;
}

// No target: the ceiling clearing and reconciliation read at, the journal read and decoded a page
// per read transaction on one thread with nothing done with the entries.
void BM_ReadJournal(benchmark::State& state) {
  auto& s = shared_store();
  const clearing::book b(*s.env);
  for (auto _ : state) {
    const auto began = std::chrono::steady_clock::now();
    std::size_t n = 0;
    std::string after;
    for (;;) {
      auto page = b.journal(date, after, sy::limits::clearing_journal_page_count);
      if (!page) {
        state.SkipWithError(page.error().message().c_str());
        return;
      }
      n += page->size();
      if (page->size() < sy::limits::clearing_journal_page_count) break;
      after = page->back().event.id;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    state.counters["entries_per_s"] = static_cast<double>(n) / took.count();
  }
}
BENCHMARK(BM_ReadJournal)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Target: >= 1,000,000 events/s from the journal into the files, sealed.
void BM_ClearDate(benchmark::State& state) {
  auto& s = shared_store();
  const auto close = s.calendar->close_of(date) + 1h;
  for (auto _ : state) {
    heap_sampler heap;
    const double cpu_began = cpu_seconds();
    const auto began = std::chrono::steady_clock::now();
    const auto report = clearing::clear_date(s.context(), date, close);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    state.counters["cpu_s"] = cpu_seconds() - cpu_began;
    if (!report) {
      state.SkipWithError(report.error().message.c_str());
      return;
    }
    state.counters["events"] = static_cast<double>(report->batch.member_count);
    state.counters["events_per_s"] = static_cast<double>(report->batch.member_count) / took.count();
    state.counters["peak_heap_MiB"] = heap.peak_mib();
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_ClearDate)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Reconciles `bank_file` against the sealed date and reports its rate.
void reconcile_file(benchmark::State& state, const std::string& bank_file) {
  auto& s = shared_store();
  const auto close = s.calendar->close_of(date) + 1h;
  for (auto _ : state) {
    heap_sampler heap;
    const double cpu_began = cpu_seconds();
    const auto began = std::chrono::steady_clock::now();
    const auto summary = clearing::reconcile(s.context(), {"bank0", date, bank_file}, close);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    state.counters["cpu_s"] = cpu_seconds() - cpu_began;
    if (!summary) {
      state.SkipWithError(summary.error().message.c_str());
      return;
    }
    if (!summary->clean()) state.SkipWithError("the matching file has discrepancies");
    state.counters["bank_rows"] = static_cast<double>(summary->bank_rows);
    state.counters["rows_per_s"] = static_cast<double>(summary->bank_rows) / took.count();
    state.counters["peak_heap_MiB"] = heap.peak_mib();
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

// Target: >= 1,000,000 bank rows/s: N bank rows against the index of the switch's N records of
// the channel; the bank file lists exactly those, in the order the bank approved them (the
// clearing file's), so every row is matched.
void BM_ReconcileChannel(benchmark::State& state) {
  reconcile_file(state, shared_store().bank_file);
}
BENCHMARK(BM_ReconcileChannel)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// No target: the same rows in a random order, so every lookup goes through the hash table (a
// bank that sorts its file by something else).
void BM_ReconcileShuffled(benchmark::State& state) {
  const auto& s = shared_store();
  const std::string shuffled = s.dir + "/bank-shuffled.csv";
  {
    std::ifstream in(s.bank_file, std::ios::binary);
    std::string header;
    std::getline(in, header);
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);) rows.push_back(std::move(line));
    std::mt19937_64 random(42);
    std::shuffle(rows.begin(), rows.end(), random);
    std::ofstream out(shuffled, std::ios::binary);
    out << header << '\n';
    for (const auto& r : rows) out << r << '\n';
  }
  sync_file(shuffled);
  settle_heap();
  reconcile_file(state, shuffled);
}
BENCHMARK(BM_ReconcileShuffled)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
