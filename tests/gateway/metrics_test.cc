// The metrics registry: counters, gauges and histograms over fixed label values, collectors read
// at scrape time, the exact text exposition, exact totals under concurrent updates, registration
// mistakes stopping the process, and the whole exposition read back by an independent parser.
#include "gateway/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "config/limits.h"

namespace {

namespace metrics = sy::gateway::metrics;

// ---- an independent reader of the text format (0.0.4), strict where the format is -----------

struct parsed_sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in order, unescaped
  std::string value_text;
  double value = 0;
};

struct parsed_family {
  std::optional<std::string> help;  // unescaped
  std::optional<std::string> type;
  std::vector<parsed_sample> samples;
};

struct exposition {
  std::map<std::string, parsed_family> families;
  std::vector<std::string> errors;  // empty: the text is valid and every invariant holds
};

// Hand-written rather than std::regex: GCC 12 at -O1 (the ASan build) warns inside <regex>.
bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, the same without ':' for label names.
bool is_name(std::string_view text, bool colon_allowed) {
  if (text.empty() || is_ascii_digit(text.front())) return false;
  for (const char c : text) {
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '_' && !(colon_allowed && c == ':')) {
      return false;
    }
  }
  return true;
}
bool is_metric_name(std::string_view text) {
  return is_name(text, true);
}
bool is_label_name(std::string_view text) {
  return is_name(text, false);
}

// -?[0-9]+
bool is_integer(std::string_view text) {
  if (text.starts_with('-')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?
bool is_decimal(std::string_view text) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < text.size() && is_ascii_digit(text[i])) ++i;
    return i - from;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa_digits = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa_digits += digits();
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

std::optional<double> parse_value(const std::string& text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  if (!is_decimal(text)) return std::nullopt;
  return std::strtod(text.c_str(), nullptr);
}

// Reads `"..."` at text[pos] (pos on the opening quote), undoing \\, \" and \n.
std::optional<std::string> parse_quoted(std::string_view text, std::size_t& pos) {
  if (pos >= text.size() || text[pos] != '"') return std::nullopt;
  std::string out;
  for (++pos; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '"') {
      ++pos;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++pos == text.size()) return std::nullopt;
    const char e = text[pos];
    if (e == '\\' || e == '"') {
      out += e;
    } else if (e == 'n') {
      out += '\n';
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string unescape_help(std::string_view text, bool& ok) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
      out += text[++i] == 'n' ? '\n' : '\\';
    } else {
      ok = false;
    }
  }
  return out;
}

// `name{a="x",b="y"} value [timestamp]`
std::optional<parsed_sample> parse_sample(std::string_view line) {
  parsed_sample s;
  std::size_t pos = line.find_first_of("{ ");
  if (pos == std::string_view::npos) return std::nullopt;
  s.name = std::string(line.substr(0, pos));
  if (!is_metric_name(s.name)) return std::nullopt;
  if (line[pos] == '{') {
    ++pos;
    while (pos < line.size() && line[pos] != '}') {
      const std::size_t eq = line.find('=', pos);
      if (eq == std::string_view::npos) return std::nullopt;
      std::string label(line.substr(pos, eq - pos));
      if (!is_label_name(label)) return std::nullopt;
      pos = eq + 1;
      std::optional<std::string> value = parse_quoted(line, pos);
      if (!value) return std::nullopt;
      s.labels.emplace_back(std::move(label), std::move(*value));
      if (pos < line.size() && line[pos] == ',') {
        ++pos;  // the format allows a comma before the brace too
      } else if (pos < line.size() && line[pos] != '}') {
        return std::nullopt;
      }
    }
    if (pos >= line.size()) return std::nullopt;
    ++pos;  // '}'
  }
  if (pos >= line.size() || line[pos] != ' ') return std::nullopt;
  const std::string_view rest = line.substr(pos + 1);
  const std::size_t space = rest.find(' ');
  s.value_text = std::string(rest.substr(0, space));
  if (space != std::string_view::npos && !is_integer(rest.substr(space + 1))) return std::nullopt;
  const std::optional<double> value = parse_value(s.value_text);
  if (!value) return std::nullopt;
  s.value = *value;
  return s;
}

// The family a sample belongs to: a histogram's _bucket, _sum and _count belong to the histogram.
std::string family_of(const std::string& name, const std::map<std::string, parsed_family>& known) {
  for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      const auto it = known.find(base);
      if (it != known.end() && it->second.type == "histogram") return base;
    }
  }
  return name;
}

void check_histogram(const std::string& name, const parsed_family& f,
                     std::vector<std::string>& errors) {
  using label_set = std::vector<std::pair<std::string, std::string>>;
  struct series {
    std::vector<std::pair<double, double>> buckets;  // le, cumulative count
    bool last_inf = false;
    std::optional<double> sum, count;
  };
  std::map<label_set, series> by_labels;
  for (const parsed_sample& s : f.samples) {
    label_set labels;
    std::optional<std::string> le;
    for (const auto& [k, v] : s.labels) {
      if (k == "le") {
        le = v;
      } else {
        labels.emplace_back(k, v);
      }
    }
    series& into = by_labels[labels];
    if (s.name == name + "_bucket") {
      const std::optional<double> bound = le ? parse_value(*le) : std::nullopt;
      if (!bound) {
        errors.push_back(name + ": a bucket without a numeric le");
        continue;
      }
      if (!into.buckets.empty() && !(*bound > into.buckets.back().first)) {
        errors.push_back(name + ": le not increasing at " + *le);
      }
      if (!into.buckets.empty() && s.value < into.buckets.back().second) {
        errors.push_back(name + ": buckets not cumulative at le=" + *le);
      }
      into.buckets.emplace_back(*bound, s.value);
      into.last_inf = *le == "+Inf";
    } else if (s.name == name + "_sum") {
      into.sum = s.value;
    } else if (s.name == name + "_count") {
      into.count = s.value;
    } else {
      errors.push_back(name + ": unexpected sample " + s.name);
    }
  }
  for (const auto& [labels, s] : by_labels) {
    if (!s.last_inf) errors.push_back(name + ": buckets do not end with le=\"+Inf\"");
    if (!s.sum || !s.count) errors.push_back(name + ": _sum or _count missing");
    if (s.count && s.last_inf && s.buckets.back().second != *s.count) {
      errors.push_back(name + ": le=\"+Inf\" differs from _count");
    }
  }
}

exposition parse_exposition(std::string_view text) {
  exposition e;
  if (!text.empty() && text.back() != '\n') e.errors.push_back("the last line has no line feed");
  std::string current;  // the family whose samples are being read: they must be contiguous
  std::vector<std::string> finished;
  std::map<std::string, std::vector<parsed_sample>> seen;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string_view rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      const std::string name(rest.substr(0, space));
      const std::string_view arg = space == std::string_view::npos ? "" : rest.substr(space + 1);
      if (!is_metric_name(name)) e.errors.push_back("bad name: " + name);
      parsed_family& f = e.families[name];
      if (line[2] == 'H') {
        bool ok = true;
        if (f.help) e.errors.push_back("a second HELP for " + name);
        f.help = unescape_help(arg, ok);
        if (!ok) e.errors.push_back("bad escape in HELP of " + name);
      } else {
        if (f.type) e.errors.push_back("a second TYPE for " + name);
        if (!f.samples.empty()) e.errors.push_back("TYPE after samples of " + name);
        if (arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" &&
            arg != "untyped") {
          e.errors.push_back("bad TYPE: " + name);
        }
        f.type = std::string(arg);
      }
      continue;
    }
    if (line.front() == '#') continue;  // a comment
    std::optional<parsed_sample> s = parse_sample(line);
    if (!s) {
      e.errors.push_back("not a sample line: " + std::string(line));
      continue;
    }
    const std::string fam = family_of(s->name, e.families);
    const auto it = e.families.find(fam);
    if (it == e.families.end() || !it->second.help || !it->second.type) {
      e.errors.push_back("a sample before its HELP and TYPE: " + std::string(line));
      continue;
    }
    if (fam != current) {
      if (std::find(finished.begin(), finished.end(), fam) != finished.end()) {
        e.errors.push_back("samples of " + fam + " are not together");
      }
      if (!current.empty()) finished.push_back(current);
      current = fam;
    }
    for (const parsed_sample& other : seen[s->name]) {
      if (other.labels == s->labels) e.errors.push_back("a duplicate series: " + std::string(line));
    }
    seen[s->name].push_back(*s);
    if (it->second.type == "counter" && !(s->value >= 0)) {
      e.errors.push_back("a counter below zero: " + std::string(line));
    }
    it->second.samples.push_back(std::move(*s));
  }
  for (const auto& [name, f] : e.families) {
    if (!f.help || !f.type) e.errors.push_back(name + ": HELP or TYPE missing");
    if (f.type == "histogram") check_histogram(name, f, e.errors);
  }
  return e;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// ---- the registry -----------------------------------------------------------------------------

TEST(Metrics, CounterWithoutLabelsRendersHelpTypeAndTotal) {
  metrics::registry r;
  const metrics::counter declines =
      r.add_counter("sy_risk_declines_total", "Payments declined by the risk limits.");
  declines.inc();
  declines.add(4);
  EXPECT_EQ(declines.value(), 5u);
  EXPECT_EQ(r.render(),
            "# HELP sy_risk_declines_total Payments declined by the risk limits.\n"
            "# TYPE sy_risk_declines_total counter\n"
            "sy_risk_declines_total 5\n");
}

TEST(Metrics, LabelledCounterRendersEverySeriesInLabelOrder) {
  metrics::registry r;
  const metrics::counter requests =
      r.add_counter("sy_http_requests_total", "Merchant API requests.",
                    {{"route", {"POST /v1/payments", "other"}}, {"code", {"201", "other"}}});
  requests.inc({0, 0});
  requests.inc({0, 0});
  requests.inc({1, 1});
  EXPECT_EQ(requests.value({0, 0}), 2u);
  EXPECT_EQ(requests.value({0, 1}), 0u);
  EXPECT_EQ(r.render(),
            "# HELP sy_http_requests_total Merchant API requests.\n"
            "# TYPE sy_http_requests_total counter\n"
            "sy_http_requests_total{route=\"POST /v1/payments\",code=\"201\"} 2\n"
            "sy_http_requests_total{route=\"POST /v1/payments\",code=\"other\"} 0\n"
            "sy_http_requests_total{route=\"other\",code=\"201\"} 0\n"
            "sy_http_requests_total{route=\"other\",code=\"other\"} 1\n");
}

TEST(Metrics, StatusIndexCoversTheApiStatusesAndOther) {
  const std::vector<std::string> values = metrics::http_status_values();
  ASSERT_EQ(values.size(), metrics::http_statuses.size() + 1);
  EXPECT_EQ(values.back(), "other");
  for (const unsigned status : metrics::http_statuses) {
    EXPECT_EQ(values[metrics::http_status_index(status)], std::to_string(status));
  }
  EXPECT_EQ(metrics::http_status_index(201), 1u);
  EXPECT_EQ(metrics::http_status_index(302), values.size() - 1);
  EXPECT_EQ(metrics::http_status_index(0), values.size() - 1);
  static_assert(metrics::http_status_index(503) == 13);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  metrics::registry r;
  r.add_counter("odd_total", "Back\\slash and\nnew line, \"quotes\" stay.",
                {{"v", {"a\"b", "c\\d", "e\nf"}}});
  EXPECT_EQ(r.render(),
            "# HELP odd_total Back\\\\slash and\\nnew line, \"quotes\" stay.\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\"b\"} 0\n"
            "odd_total{v=\"c\\\\d\"} 0\n"
            "odd_total{v=\"e\\nf\"} 0\n");
  const exposition e = parse_exposition(r.render());
  ASSERT_TRUE(e.errors.empty()) << joined(e.errors);
  const parsed_family& f = e.families.at("odd_total");
  EXPECT_EQ(f.help.value(), "Back\\slash and\nnew line, \"quotes\" stay.");
  ASSERT_EQ(f.samples.size(), 3u);
  EXPECT_EQ(f.samples[0].labels[0].second, "a\"b");
  EXPECT_EQ(f.samples[1].labels[0].second, "c\\d");
  EXPECT_EQ(f.samples[2].labels[0].second, "e\nf");
}

TEST(Metrics, GaugeGoesUpAndDownAcrossThreads) {
  metrics::registry r;
  const metrics::gauge inflight = r.add_gauge("sy_http_inflight_requests", "Requests in flight.");
  // Raised on one thread and lowered on another: the copies differ, their sum is exact.
  std::thread up([&] {
    for (int i = 0; i < 10'000; ++i) inflight.inc();
  });
  up.join();
  std::thread down([&] {
    for (int i = 0; i < 10'000; ++i) inflight.dec();
  });
  down.join();
  EXPECT_EQ(inflight.value(), 0);
  inflight.dec();
  inflight.add(-2);
  EXPECT_EQ(inflight.value(), -3);
  EXPECT_NE(r.render().find("\nsy_http_inflight_requests -3\n"), std::string::npos);
  EXPECT_NE(r.render().find("# TYPE sy_http_inflight_requests gauge\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreInclusiveAndCumulative) {
  metrics::registry r;
  const metrics::histogram sizes =
      r.add_histogram("sy_store_batch_units", "Units per commit.", {{1, 2, 4}, 1});
  for (const std::uint64_t v : {0, 1, 2, 3, 4, 5, 100}) sizes.observe(v);
  EXPECT_EQ(sizes.count(), 7u);
  EXPECT_EQ(sizes.sum(), 115u);
  EXPECT_EQ(r.render(),
            "# HELP sy_store_batch_units Units per commit.\n"
            "# TYPE sy_store_batch_units histogram\n"
            "sy_store_batch_units_bucket{le=\"1\"} 2\n"
            "sy_store_batch_units_bucket{le=\"2\"} 3\n"
            "sy_store_batch_units_bucket{le=\"4\"} 5\n"
            "sy_store_batch_units_bucket{le=\"+Inf\"} 7\n"
            "sy_store_batch_units_sum 115\n"
            "sy_store_batch_units_count 7\n");
}

TEST(Metrics, LatencyHistogramRendersSecondsPerLabel) {
  metrics::registry r;
  const metrics::histogram latency =
      r.add_histogram("sy_http_request_duration_seconds", "Time to answer.",
                      metrics::latency_buckets(), {{"route", {"a", "b"}}});
  latency.observe(300, {1});         // 0.3 ms
  latency.observe(2'000'000, {1});   // 2 s
  latency.observe(20'000'000, {1});  // past the last bound
  const std::string text = r.render();
  const std::string b = "sy_http_request_duration_seconds_bucket{route=\"b\",le=";
  EXPECT_NE(text.find(b + "\"0.0001\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "\"0.00025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "\"0.0005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "\"2.5\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "\"10\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(b + "\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sy_http_request_duration_seconds_sum{route=\"b\"} 22.0003\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sy_http_request_duration_seconds_count{route=\"a\"} 0\n"), std::string::npos)
      << text;
  EXPECT_EQ(latency.count({0}), 0u);
  EXPECT_EQ(latency.sum({1}), 22'000'300u);
}

TEST(Metrics, BatchSizeBucketsArePowersOfTwoTo1024) {
  const metrics::buckets b = metrics::batch_size_buckets();
  EXPECT_EQ(b.divisor, 1u);
  ASSERT_EQ(b.bounds.size(), 11u);
  for (std::size_t i = 0; i < b.bounds.size(); ++i) EXPECT_EQ(b.bounds[i], std::uint64_t{1} << i);
  const metrics::buckets l = metrics::latency_buckets();
  EXPECT_EQ(l.bounds.front(), 100u);        // 0.1 ms: an fsync is about 0.14 ms here
  EXPECT_EQ(l.bounds.back(), 10'000'000u);  // 10 s
}

TEST(Metrics, CollectorIsReadAtEveryRender) {
  metrics::registry r;
  std::atomic<bool> up{false};
  std::atomic<int> signed_on{0};
  r.add_collector("sy_channel_up", "1 while a channel has a connection signed on.",
                  metrics::kind::gauge, {"channel"}, [&](metrics::sample_sink& out) {
                    out.add(up.load() ? 1 : 0, {"visa"});
                    out.add(0, {"odd\"id"});
                  });
  r.add_collector("sy_channel_signed_on_connections", "Connections signed on.",
                  metrics::kind::gauge, {"channel"},
                  [&](metrics::sample_sink& out) { out.add(signed_on.load(), {"visa"}); });
  r.add_collector("sy_store_batches_total", "Write transactions.", metrics::kind::counter, {},
                  [](metrics::sample_sink& out) { out.add(12345678901.0); });
  const std::string before = r.render();
  EXPECT_NE(before.find("\nsy_channel_up{channel=\"visa\"} 0\n"), std::string::npos) << before;
  EXPECT_NE(before.find("\nsy_channel_up{channel=\"odd\\\"id\"} 0\n"), std::string::npos);
  EXPECT_NE(before.find("# TYPE sy_store_batches_total counter\nsy_store_batches_total "
                        "12345678901\n"),
            std::string::npos)
      << before;
  up = true;
  signed_on = 3;
  const std::string after = r.render();
  EXPECT_NE(after.find("\nsy_channel_up{channel=\"visa\"} 1\n"), std::string::npos) << after;
  EXPECT_NE(after.find("\nsy_channel_signed_on_connections{channel=\"visa\"} 3\n"),
            std::string::npos);
}

TEST(Metrics, CollectorValuesRenderInTheFormatsSpelling) {
  metrics::registry r;
  r.add_collector("values", "Odd values.", metrics::kind::gauge, {"v"},
                  [](metrics::sample_sink& out) {
                    out.add(HUGE_VAL, {"inf"});
                    out.add(-HUGE_VAL, {"-inf"});
                    out.add(std::nan(""), {"nan"});
                    out.add(0.5, {"half"});
                    out.add(-2, {"minus"});
                    out.add(1e300, {"big"});
                  });
  const std::string text = r.render();
  EXPECT_NE(text.find("values{v=\"inf\"} +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("values{v=\"-inf\"} -Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("values{v=\"nan\"} NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("values{v=\"half\"} 0.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("values{v=\"minus\"} -2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("values{v=\"big\"} 1e+300\n"), std::string::npos) << text;
  const exposition e = parse_exposition(text);
  EXPECT_TRUE(e.errors.empty()) << joined(e.errors);
}

TEST(Metrics, ConcurrentUpdatesFromMoreThreadsThanShardsAreExact) {
  metrics::registry r;
  const metrics::counter c = r.add_counter("c_total", "c", {{"k", {"even", "odd"}}});
  const metrics::histogram h = r.add_histogram("h", "h", {{10, 100}, 1});
  const metrics::gauge g = r.add_gauge("g", "g");
  constexpr int thread_count = 2 * static_cast<int>(sy::limits::metrics_shard_count) + 3;
  constexpr int per_thread = 5'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc({static_cast<std::size_t>(t % 2)});
        h.observe(static_cast<std::uint64_t>(i % 200));
        g.inc();
        g.dec();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(c.value({0}) + c.value({1}), std::uint64_t{thread_count} * per_thread);
  EXPECT_EQ(c.value({1}), std::uint64_t{thread_count / 2} * per_thread);
  EXPECT_EQ(h.count(), std::uint64_t{thread_count} * per_thread);
  // Each thread observes 0..199 twenty-five times: 25 * 19900.
  EXPECT_EQ(h.sum(), std::uint64_t{thread_count} * 25 * 19'900);
  EXPECT_EQ(g.value(), 0);
  const exposition e = parse_exposition(r.render());
  EXPECT_TRUE(e.errors.empty()) << joined(e.errors);
}

TEST(Metrics, OutOfRangeSeriesIsABug) {
  metrics::registry r;
  const metrics::counter c = r.add_counter("c_total", "c", {{"k", {"a", "b"}}});
#ifdef NDEBUG
  c.inc({2});     // dropped in release builds
  c.inc({0, 0});  // too many indexes: dropped too
  c.inc({});
  EXPECT_EQ(c.value({0}) + c.value({1}), 0u);
#else
  EXPECT_DEATH(c.inc({2}), "");
#endif
}

TEST(MetricsDeathTest, RegistrationMistakesStopTheProcess) {
  const auto twice = [](auto add) {
    metrics::registry r;
    add(r);
    add(r);
  };
  EXPECT_DEATH(metrics::registry().add_counter("", "h"), "valid_metric_name");
  EXPECT_DEATH(metrics::registry().add_counter("9lives", "h"), "valid_metric_name");
  EXPECT_DEATH(metrics::registry().add_counter("with-dash", "h"), "valid_metric_name");
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"__x", {"a"}}}), "valid_label_name");
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"a b", {"a"}}}), "valid_label_name");
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"k", {"a"}}, {"k", {"b"}}}), "find");
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"k", {}}}), "empty");
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"k", {"a", "a"}}}), "find");
  EXPECT_DEATH(twice([](metrics::registry& r) { r.add_gauge("g", "h"); }), "find");
  EXPECT_DEATH(
      {
        metrics::registry r;
        r.add_histogram("h", "h", {{1}, 1});
        r.add_counter("h_count", "h");
      },
      "find");
  EXPECT_DEATH(metrics::registry().add_histogram("h", "h", {{1}, 1}, {{"le", {"a"}}}),
               "l.name != ");
  EXPECT_DEATH(metrics::registry().add_histogram("h", "h", {{2, 2}, 1}), "adjacent_find");
  EXPECT_DEATH(metrics::registry().add_histogram("h", "h", {{2, 1}, 1}), "adjacent_find");
  EXPECT_DEATH(metrics::registry().add_histogram("h", "h", {{1}, 0}), "divisor");
  std::vector<std::string> many(sy::limits::metrics_family_cell_count_max / 2 + 1);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = std::to_string(i);
  EXPECT_DEATH(metrics::registry().add_counter("c", "h", {{"a", many}, {"b", {"x", "y"}}}),
               "metrics_family_cell_count_max");
  EXPECT_DEATH(metrics::registry().add_collector("c", "h", metrics::kind::gauge, {"le x"},
                                                 [](metrics::sample_sink&) {}),
               "valid_label_name");
}

// ---- the whole exposition, as the gateway will register it, read back ------------------------

TEST(MetricsExposition, ParserRejectsWhatTheFormatForbids) {
  const auto errors = [](std::string_view text) { return parse_exposition(text).errors.size(); };
  EXPECT_EQ(errors("# HELP a h\n# TYPE a counter\na 1\n"), 0u);
  EXPECT_NE(errors("a 1\n"), 0u);                                     // no HELP and TYPE
  EXPECT_NE(errors("# HELP a h\n# TYPE a counter\na 1"), 0u);         // no final line feed
  EXPECT_NE(errors("# HELP a h\n# TYPE a counter\na{x=y} 1\n"), 0u);  // unquoted value
  EXPECT_NE(errors("# HELP a h\n# TYPE a counter\na one\n"), 0u);
  EXPECT_NE(errors("# HELP a h\n# TYPE a counter\na{x=\"\\t\"} 1\n"), 0u);  // bad escape
  EXPECT_NE(errors("# HELP h h\n# TYPE h histogram\n"
                   "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"),
            0u);  // not cumulative
  EXPECT_NE(errors("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
            0u);  // no +Inf
  EXPECT_NE(errors("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n"
                   "h_count 1\n"),
            0u);  // +Inf differs from _count
  EXPECT_NE(errors("# HELP a h\n# TYPE a gauge\n# HELP b h\n# TYPE b gauge\na 1\nb 1\na 2\n"),
            0u);  // a family's samples apart (and a duplicate series)
}

TEST(MetricsExposition, GatewayFamiliesParseBackWithEveryInvariant) {
  const std::vector<std::string> routes{"POST /v1/payments",
                                        "POST /v1/payments/{id}/capture",
                                        "POST /v1/payments/{id}/void",
                                        "POST /v1/payments/{id}/refunds",
                                        "GET /v1/payments/{id}",
                                        "GET /v1/payments",
                                        "other"};
  metrics::registry r;
  const metrics::counter requests =
      r.add_counter("sy_http_requests_total", "Merchant API requests by route and status.",
                    {{"route", routes}, {"code", metrics::http_status_values()}});
  const metrics::histogram latency = r.add_histogram(
      "sy_http_request_duration_seconds", "Time from a request's last byte to its answer.",
      metrics::latency_buckets(), {{"route", routes}});
  const metrics::gauge inflight =
      r.add_gauge("sy_http_inflight_requests", "Merchant API requests being processed.");
  const metrics::gauge connections =
      r.add_gauge("sy_http_open_connections", "Merchant connections open.");
  const metrics::histogram batch = r.add_histogram(
      "sy_store_commit_units", "Units of work per store commit.", metrics::batch_size_buckets());
  const metrics::histogram commit =
      r.add_histogram("sy_store_commit_duration_seconds", "Store commit time, fsync included.",
                      metrics::latency_buckets());
  const metrics::counter declines =
      r.add_counter("sy_risk_declines_total", "Payments declined by risk limits, by rule.",
                    {{"rule", {"amount", "velocity", "blocked_bin"}}});
  r.add_collector("sy_channel_up", "1 while the channel has a connection signed on.",
                  metrics::kind::gauge, {"channel"}, [](metrics::sample_sink& out) {
                    out.add(1, {"visa_acq"});
                    out.add(0, {"wallet \"w\"\n2"});
                  });
  r.add_collector("sy_store_batches_total", "Store write transactions.", metrics::kind::counter, {},
                  [](metrics::sample_sink& out) { out.add(42); });

  // Traffic spread over every family, from two threads.
  const auto traffic = [&](std::uint64_t seed) {
    std::uint64_t x = seed;
    for (int i = 0; i < 20'000; ++i) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      const std::size_t route = (x >> 33) % routes.size();
      const unsigned status = metrics::http_statuses[(x >> 40) % metrics::http_statuses.size()];
      connections.inc();
      inflight.inc();
      latency.observe((x >> 20) % 12'000'000, {route});
      requests.inc({route, metrics::http_status_index((x & 1) != 0 ? status : 302)});
      inflight.dec();
      batch.observe(1 + (x >> 50) % 300);
      commit.observe(100 + (x >> 45) % 5'000);
      if ((x & 7) == 0) declines.inc({(x >> 3) % 3});
    }
  };
  std::thread other(traffic, 7);
  traffic(11);
  other.join();

  const std::string text = r.render();
  const exposition e = parse_exposition(text);
  ASSERT_TRUE(e.errors.empty()) << joined(e.errors) << text;
  EXPECT_EQ(e.families.size(), 9u);
  for (const auto& [name, f] : e.families) {
    EXPECT_FALSE(f.help.value_or("").empty()) << name;
    EXPECT_FALSE(f.samples.empty()) << name;
  }
  EXPECT_EQ(e.families.at("sy_http_requests_total").samples.size(),
            routes.size() * metrics::http_status_values().size());
  double total = 0;
  for (const parsed_sample& s : e.families.at("sy_http_requests_total").samples) total += s.value;
  EXPECT_EQ(total, 40'000);
  // One series of buckets, _sum and _count per route.
  EXPECT_EQ(e.families.at("sy_http_request_duration_seconds").samples.size(),
            routes.size() * (metrics::latency_buckets().bounds.size() + 3));
  EXPECT_EQ(e.families.at("sy_http_inflight_requests").samples.at(0).value, 0);
  EXPECT_EQ(e.families.at("sy_http_open_connections").samples.at(0).value, 40'000);
  EXPECT_EQ(e.families.at("sy_channel_up").samples.at(1).labels.at(0).second, "wallet \"w\"\n2");
}

}  // namespace
