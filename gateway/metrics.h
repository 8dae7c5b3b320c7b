// The gateway's metrics for the admin `GET /metrics` (Prometheus text exposition format 0.0.4):
// counters, gauges and histograms over label values fixed at start-up, updated from any thread
// without a lock or an allocation, and families a callback fills at scrape time. No Asio.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sy::gateway::metrics {

namespace detail {
struct family;  // metrics.cc
}

// One label of a family and every value it can take, fixed at registration. Updates name a
// value by its index in `values`.
struct label {
  std::string name;
  std::vector<std::string> values;
};

// A histogram's bucket upper bounds (inclusive, strictly increasing; +Inf is implied) in the
// integer unit observe() takes, so that sums stay exact. They render divided by `divisor`:
// microseconds with divisor 1'000'000 render as seconds.
struct buckets {
  std::vector<std::uint64_t> bounds;
  std::uint64_t divisor = 1;
};

// Latencies: observe microseconds; rendered in seconds, 0.0001 to 10.
buckets latency_buckets();
// Sizes (a store commit's units): 1, 2, 4, ..., 1024.
buckets batch_size_buckets();

// The statuses the merchant API answers, in label order; "other" follows them.
inline constexpr std::array<unsigned, 14> http_statuses{200, 201, 400, 401, 404, 405, 409,
                                                        413, 415, 422, 429, 431, 500, 503};
// "200", "201", ..., "503", "other": the values of a status label.
std::vector<std::string> http_status_values();
// The index of `status` in http_status_values(); any status not listed is "other" (the last).
constexpr std::size_t http_status_index(unsigned status) noexcept {
  std::size_t i = 0;
  while (i < http_statuses.size() && http_statuses[i] != status) ++i;
  return i;
}

// The label values of one series: for each label of the family, in order, the index of its
// value. Empty for a family without labels. An index out of range is a bug (SY_ASSERT); release
// builds drop such an update.
using series = std::initializer_list<std::size_t>;

// A handle to a family of counters, one per combination of label values; cheap to copy, valid
// while its registry lives. Updates are thread-safe, lock-free and never allocate.
class counter {
 public:
  counter() = default;  // a handle to nothing: only assignable
  void inc(series at = {}) const noexcept { add(1, at); }
  void add(std::uint64_t n, series at = {}) const noexcept;
  // The current total (a sum over the threads' copies).
  std::uint64_t value(series at = {}) const noexcept;

 private:
  friend class registry;
  explicit counter(detail::family* f) noexcept : family_(f) {}
  detail::family* family_ = nullptr;
};

// A family of gauges that go up and down (in-flight requests, open connections), as counter.
class gauge {
 public:
  gauge() = default;
  void inc(series at = {}) const noexcept { add(1, at); }
  void dec(series at = {}) const noexcept { add(-1, at); }
  void add(std::int64_t delta, series at = {}) const noexcept;
  // The current value; a scrape racing an inc() on one thread and its dec() on another may
  // read it one step off for that moment.
  std::int64_t value(series at = {}) const noexcept;

 private:
  friend class registry;
  explicit gauge(detail::family* f) noexcept : family_(f) {}
  detail::family* family_ = nullptr;
};

// A family of histograms with the family's buckets, as counter.
class histogram {
 public:
  histogram() = default;
  // Counts `value` (in the buckets' unit) in the first bucket whose bound is >= value.
  void observe(std::uint64_t value, series at = {}) const noexcept;
  // Observations so far, and their sum in the buckets' unit.
  std::uint64_t count(series at = {}) const noexcept;
  std::uint64_t sum(series at = {}) const noexcept;

 private:
  friend class registry;
  explicit histogram(detail::family* f) noexcept : family_(f) {}
  detail::family* family_ = nullptr;
};

// The type of a family whose samples a collector supplies.
enum class kind : std::uint8_t { counter, gauge };

// Where a collector puts its samples during render().
class sample_sink {
 public:
  // One sample; `label_values`, any text (render escapes it), follow the family's label names.
  // A count that differs from the names is a bug (SY_ASSERT); release builds drop the sample.
  void add(double value, std::initializer_list<std::string_view> label_values = {});

 private:
  friend class registry;
  sample_sink(const detail::family& f, std::string& out) noexcept : family_(f), out_(out) {}
  const detail::family& family_;
  std::string& out_;
};
using collector = std::function<void(sample_sink& out)>;

// Every family of the process, rendered in registration order. Register everything at start-up,
// before other threads use the handles or call render(); registering is not thread-safe.
// Registration checks its arguments (SY_VERIFY: a mistake is a bug): names match the format
// ([a-zA-Z_:][a-zA-Z0-9_:]* for families, [a-zA-Z_][a-zA-Z0-9_]* without a leading "__" for
// labels), no two families render a sample of the same name, a label's values are unique and
// not empty, a histogram has no "le" label and valid buckets, and a family stays within
// limits::metrics_family_cell_count_max.
class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  counter add_counter(std::string_view name, std::string_view help, std::vector<label> labels = {});
  gauge add_gauge(std::string_view name, std::string_view help, std::vector<label> labels = {});
  histogram add_histogram(std::string_view name, std::string_view help, buckets b,
                          std::vector<label> labels = {});
  // A family whose samples `collect` adds at every render(), on the rendering thread: it must be
  // thread-safe and cheap (atomic reads such as channel_health or writer::counters()).
  void add_collector(std::string_view name, std::string_view help, kind type,
                     std::vector<std::string> label_names, collector collect);

  // The whole exposition: for each family its # HELP and # TYPE lines and every series, zeros
  // included. Safe to call while other threads update; concurrent renders are as safe as the
  // collectors.
  std::string render() const;

 private:
  detail::family& add(std::unique_ptr<detail::family> f);

  std::vector<std::unique_ptr<detail::family>> families_;
};

}  // namespace sy::gateway::metrics
