// The metrics registry: each family's cells, copied per shard of threads, and the text
// exposition (Prometheus 0.0.4) that sums the copies at scrape time.
#include "gateway/metrics.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <utility>

#include "config/assert.h"
#include "config/limits.h"

namespace sy::gateway::metrics {
namespace {

constexpr std::size_t cache_line_size = 64;
constexpr std::size_t cells_per_line = cache_line_size / sizeof(std::atomic<std::uint64_t>);

// Cells on one cache line: a shard's cells start on a line of their own, so threads of
// different shards never write the same line.
struct alignas(cache_line_size) line {
  std::array<std::atomic<std::uint64_t>, cells_per_line> cells{};
};
static_assert(sizeof(line) == cache_line_size);

// The shard this thread adds to: threads take shards in turn at their first update.
std::size_t this_thread_shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard =
      next.fetch_add(1, std::memory_order_relaxed) % limits::metrics_shard_count;
  return shard;
}

}  // namespace

namespace detail {

enum class family_type : std::uint8_t { counter, gauge, histogram, collected };

struct family {
  std::string name;
  std::string help;
  family_type type = family_type::counter;
  kind collected_kind = kind::gauge;  // collected only
  std::vector<label> labels;          // counter, gauge, histogram
  std::vector<std::string> label_names;
  buckets bounds;                      // histogram only
  std::vector<std::string> le_values;  // histogram only: bounds as rendered, then "+Inf"
  collector collect;                   // collected only

  std::size_t series_count = 1;
  std::size_t cells_per_series = 1;  // histogram: one per bucket, one for +Inf, one for the sum
  // Per series, its label pairs as rendered (`route="x",code="200"`); empty without labels.
  std::vector<std::string> series_labels;
  std::size_t lines_per_shard = 0;
  std::unique_ptr<line[]> lines;  // shard s owns lines [s * lines_per_shard, (s + 1) * ...)

  // The index of the series `at` names, row-major over the labels; series_count if none.
  std::size_t index_of(series at) const noexcept {
    SY_ASSERT(at.size() == labels.size());
    if (at.size() != labels.size()) return series_count;
    std::size_t index = 0;
    const std::size_t* value = at.begin();
    for (const label& l : labels) {
      SY_ASSERT(*value < l.values.size());
      if (*value >= l.values.size()) return series_count;
      index = index * l.values.size() + *value;
      ++value;
    }
    return index;
  }

  // This thread's copy of `cell`.
  std::atomic<std::uint64_t>& local(std::size_t cell) noexcept {
    line& l = lines[this_thread_shard() * lines_per_shard + cell / cells_per_line];
    return l.cells[cell % cells_per_line];
  }

  // The sum of every shard's copy of `cell` (wrapping, so gauges' negative deltas cancel).
  std::uint64_t total(std::size_t cell) const noexcept {
    std::uint64_t sum = 0;
    for (std::size_t s = 0; s < limits::metrics_shard_count; ++s) {
      const line& l = lines[s * lines_per_shard + cell / cells_per_line];
      sum += l.cells[cell % cells_per_line].load(std::memory_order_relaxed);
    }
    return sum;
  }
};

}  // namespace detail

namespace {

using detail::family;
using detail::family_type;

bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and names starting with "__" are reserved for Prometheus.
bool valid_label_name(std::string_view name) noexcept {
  if (name.empty() || is_digit(name.front()) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_'; });
}

// HELP text escapes backslash and line feed; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool in_quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && in_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

// The shortest text that reads back as `value`; plain decimals where they are short (le="0.0005"
// rather than "5e-04"), the format's spelling of infinities and NaN.
void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  const double magnitude = std::fabs(value);
  const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char buf[64];
  const auto end = plain ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed).ptr
                         : std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

// A value in a histogram's unit, rendered in the family's: exact while the divisor is 1.
void append_scaled(std::string& out, std::uint64_t value, std::uint64_t divisor) {
  if (divisor == 1) {
    append_integer(out, value);
  } else {
    append_double(out, static_cast<double>(value) / static_cast<double>(divisor));
  }
}

// `name{pairs,le="..."} ` with the braces only when there is a label.
void append_series(std::string& out, std::string_view name, std::string_view pairs,
                   std::string_view le = {}) {
  out += name;
  if (pairs.empty() && le.empty()) {
    out += ' ';
    return;
  }
  out += '{';
  out += pairs;
  if (!le.empty()) {
    if (!pairs.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += "} ";
}

// Appends `name="value"` to the pairs in `out`, after a comma unless it is the first.
void append_pair(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ',';
  out += name;
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
}

// The sample names a family renders; no two families may share one.
std::vector<std::string> sample_names(const family& f) {
  if (f.type != family_type::histogram) return {f.name};
  return {f.name, f.name + "_bucket", f.name + "_sum", f.name + "_count"};
}

std::string_view type_word(const family& f) noexcept {
  switch (f.type) {
    case family_type::counter:
      return "counter";
    case family_type::gauge:
      return "gauge";
    case family_type::histogram:
      return "histogram";
    case family_type::collected:
      return f.collected_kind == kind::counter ? "counter" : "gauge";
  }
  return "untyped";
}

void verify_label_names(const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    SY_VERIFY(valid_label_name(names[i]));
    SY_VERIFY(std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) ==
              names.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

// A family of cells over `labels`, checked and with its series' label pairs rendered.
std::unique_ptr<family> make_family(std::string_view name, std::string_view help, family_type type,
                                    std::vector<label> labels, std::size_t cells_per_series) {
  auto f = std::make_unique<family>();
  f->name = name;
  f->help = help;
  f->type = type;
  for (const label& l : labels) {
    f->label_names.push_back(l.name);
    SY_VERIFY(!l.values.empty());
    for (auto v = l.values.begin(); v != l.values.end(); ++v) {
      SY_VERIFY(std::find(l.values.begin(), v, *v) == v);
    }
    // Checked at every step, so the product cannot overflow.
    f->series_count *= l.values.size();
    SY_VERIFY(f->series_count * cells_per_series <= limits::metrics_family_cell_count_max);
  }
  verify_label_names(f->label_names);
  f->labels = std::move(labels);
  f->cells_per_series = cells_per_series;
  SY_VERIFY(f->series_count * cells_per_series <= limits::metrics_family_cell_count_max);

  // Series in index_of()'s order: the last label's value changes fastest.
  std::vector<std::size_t> value(f->labels.size(), 0);
  for (std::size_t s = 0; s < f->series_count; ++s) {
    std::string pairs;
    for (std::size_t i = 0; i < f->labels.size(); ++i) {
      append_pair(pairs, f->labels[i].name, f->labels[i].values[value[i]]);
    }
    f->series_labels.push_back(std::move(pairs));
    for (std::size_t i = f->labels.size(); i-- > 0;) {
      if (++value[i] < f->labels[i].values.size()) break;
      value[i] = 0;
    }
  }

  const std::size_t cells = f->series_count * cells_per_series;
  f->lines_per_shard = (cells + cells_per_line - 1) / cells_per_line;
  f->lines = std::make_unique<line[]>(f->lines_per_shard * limits::metrics_shard_count);
  return f;
}

void render_cells(const family& f, std::string& out) {
  for (std::size_t s = 0; s < f.series_count; ++s) {
    append_series(out, f.name, f.series_labels[s]);
    if (f.type == family_type::gauge) {
      append_integer(out, static_cast<std::int64_t>(f.total(s)));
    } else {
      append_integer(out, f.total(s));
    }
    out += '\n';
  }
}

// Buckets cumulative, +Inf last and equal to _count (both are the same running total).
void render_histogram(const family& f, std::string& out) {
  const std::string bucket = f.name + "_bucket";
  const std::string sum = f.name + "_sum";
  const std::string count = f.name + "_count";
  for (std::size_t s = 0; s < f.series_count; ++s) {
    const std::size_t first = s * f.cells_per_series;
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < f.le_values.size(); ++b) {
      running += f.total(first + b);
      append_series(out, bucket, f.series_labels[s], f.le_values[b]);
      append_integer(out, running);
      out += '\n';
    }
    append_series(out, sum, f.series_labels[s]);
    append_scaled(out, f.total(first + f.le_values.size()), f.bounds.divisor);
    out += '\n';
    append_series(out, count, f.series_labels[s]);
    append_integer(out, running);
    out += '\n';
  }
}

}  // namespace

buckets latency_buckets() {
  return {{100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000,
           1'000'000, 2'500'000, 5'000'000, 10'000'000},
          1'000'000};
}

buckets batch_size_buckets() {
  return {{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}, 1};
}

std::vector<std::string> http_status_values() {
  std::vector<std::string> values;
  for (const unsigned status : http_statuses) values.push_back(std::to_string(status));
  values.emplace_back("other");
  return values;
}

// ---- updates: the hot path -------------------------------------------------------------------

void counter::add(std::uint64_t n, series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  if (s == family_->series_count) return;
  family_->local(s).fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t counter::value(series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  return s == family_->series_count ? 0 : family_->total(s);
}

void gauge::add(std::int64_t delta, series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  if (s == family_->series_count) return;
  // Two's complement: adding the wrapped delta and summing the shards modulo 2^64 is exact.
  family_->local(s).fetch_add(static_cast<std::uint64_t>(delta), std::memory_order_relaxed);
}

std::int64_t gauge::value(series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  return s == family_->series_count ? 0 : static_cast<std::int64_t>(family_->total(s));
}

void histogram::observe(std::uint64_t value, series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  if (s == family_->series_count) return;
  const std::vector<std::uint64_t>& bounds = family_->bounds.bounds;
  // The first bound >= value (le is inclusive); past the last bound: +Inf.
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  const std::size_t first = s * family_->cells_per_series;
  family_->local(first + bucket).fetch_add(1, std::memory_order_relaxed);
  family_->local(first + bounds.size() + 1).fetch_add(value, std::memory_order_relaxed);
}

std::uint64_t histogram::count(series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  if (s == family_->series_count) return 0;
  std::uint64_t n = 0;
  for (std::size_t b = 0; b <= family_->bounds.bounds.size(); ++b) {
    n += family_->total(s * family_->cells_per_series + b);
  }
  return n;
}

std::uint64_t histogram::sum(series at) const noexcept {
  SY_ASSERT(family_ != nullptr);
  const std::size_t s = family_->index_of(at);
  if (s == family_->series_count) return 0;
  return family_->total(s * family_->cells_per_series + family_->bounds.bounds.size() + 1);
}

void sample_sink::add(double value, std::initializer_list<std::string_view> label_values) {
  SY_ASSERT(label_values.size() == family_.label_names.size());
  if (label_values.size() != family_.label_names.size()) return;
  std::string pairs;
  const std::string_view* v = label_values.begin();
  for (const std::string& name : family_.label_names) append_pair(pairs, name, *v++);
  append_series(out_, family_.name, pairs);
  append_double(out_, value);
  out_ += '\n';
}

// ---- registration and rendering ---------------------------------------------------------------

registry::registry() = default;
registry::~registry() = default;

counter registry::add_counter(std::string_view name, std::string_view help,
                              std::vector<label> labels) {
  return counter(&add(make_family(name, help, family_type::counter, std::move(labels), 1)));
}

gauge registry::add_gauge(std::string_view name, std::string_view help, std::vector<label> labels) {
  return gauge(&add(make_family(name, help, family_type::gauge, std::move(labels), 1)));
}

histogram registry::add_histogram(std::string_view name, std::string_view help, buckets b,
                                  std::vector<label> labels) {
  SY_VERIFY(b.divisor > 0);
  SY_VERIFY(b.bounds.size() <= limits::metrics_bucket_count_max);
  SY_VERIFY(std::adjacent_find(b.bounds.begin(), b.bounds.end(), std::greater_equal<>()) ==
            b.bounds.end());
  for (const label& l : labels) SY_VERIFY(l.name != "le");
  auto f = make_family(name, help, family_type::histogram, std::move(labels), b.bounds.size() + 2);
  for (const std::uint64_t bound : b.bounds) {
    std::string le;
    append_scaled(le, bound, b.divisor);
    f->le_values.push_back(std::move(le));
  }
  f->le_values.emplace_back("+Inf");
  f->bounds = std::move(b);
  return histogram(&add(std::move(f)));
}

void registry::add_collector(std::string_view name, std::string_view help, kind type,
                             std::vector<std::string> label_names, collector collect) {
  SY_VERIFY(collect != nullptr);
  verify_label_names(label_names);
  auto f = std::make_unique<family>();
  f->name = name;
  f->help = help;
  f->type = family_type::collected;
  f->collected_kind = type;
  f->label_names = std::move(label_names);
  f->collect = std::move(collect);
  add(std::move(f));
}

family& registry::add(std::unique_ptr<family> f) {
  SY_VERIFY(valid_metric_name(f->name));
  for (const std::string& mine : sample_names(*f)) {
    for (const auto& other : families_) {
      const std::vector<std::string> theirs = sample_names(*other);
      SY_VERIFY(std::find(theirs.begin(), theirs.end(), mine) == theirs.end());
    }
  }
  families_.push_back(std::move(f));
  return *families_.back();
}

std::string registry::render() const {
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_word(*f);
    out += '\n';
    if (f->type == family_type::histogram) {
      render_histogram(*f, out);
    } else if (f->type == family_type::collected) {
      sample_sink sink(*f, out);
      f->collect(sink);
    } else {
      render_cells(*f, out);
    }
  }
  return out;
}

}  // namespace sy::gateway::metrics
