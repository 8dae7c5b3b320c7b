// The load run's JSON, summary and distribution table (report.h).
#include "bench/load/report.h"

#include <boost/json/array.hpp>
#include <iomanip>
#include <ostream>

namespace sy::load {
namespace {

namespace json = boost::json;

double micros(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

struct percentile {
  const char* name;
  double q;
};
constexpr percentile percentiles[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99_9", 0.999}};

double throughput(const run_result& r) {
  return r.window_s > 0 ? static_cast<double>(r.responses_in_window) / r.window_s : 0;
}

double cpu_per_response_us(const run_result& r) {
  return r.responses == 0
             ? 0
             : (r.cpu_user_s + r.cpu_system_s) * 1e6 / static_cast<double>(r.responses);
}

json::object latency_json(const histogram& h) {
  json::object out;
  for (const auto& p : percentiles) out[p.name] = micros(h.quantile(p.q));
  out["max"] = micros(h.max());
  out["min"] = micros(h.min());
  out["mean"] = h.mean() / 1e3;
  out["relative_error_max"] = h.relative_error_max();
  return out;
}

}  // namespace

json::object to_json(const options& o, const run_result& r) {
  json::object out;
  out["label"] = o.label;
  out["url"] = o.url;
  out["mode"] = o.mode == loop_mode::open ? "open" : "closed";
  out["signed"] = o.sign;
  out["connections"] = o.connections;
  out["depth"] = o.depth;
  out["threads"] = o.threads;
  out["duration_s"] = o.duration_s;
  if (o.mode == loop_mode::open) out["rate_target_per_s"] = o.rate_per_s;
  out["tls_version"] = r.tls_version;
  out["window_s"] = r.window_s;
  out["requests_sent"] = r.requests_sent;
  out["responses"] = r.responses;
  out["responses_in_window"] = r.responses_in_window;
  out["requests_lost"] = r.requests_lost;
  out["throughput_per_s"] = throughput(r);
  out["response_body_bytes_mean"] = r.responses == 0 ? 0.0
                                                     : static_cast<double>(r.response_body_bytes) /
                                                           static_cast<double>(r.responses);
  out["latency_us"] = latency_json(r.latency_ns);
  json::object statuses;
  for (std::size_t s = 0; s < r.statuses.size(); ++s) {
    if (r.statuses[s] != 0) statuses[std::to_string(s)] = r.statuses[s];
  }
  out["status"] = std::move(statuses);
  json::object failures;
  for (std::size_t f = 0; f < r.failures.size(); ++f) {
    failures[to_string(static_cast<failure>(f))] = r.failures[f];
  }
  out["transport_failures"] = std::move(failures);
  out["driver_cpu"] = {{"user_s", r.cpu_user_s},
                       {"system_s", r.cpu_system_s},
                       {"per_response_us", cpu_per_response_us(r)}};
  if (r.idle.requested > 0) {
    out["idle"] = {{"requested", r.idle.requested},
                   {"opened", r.idle.opened},
                   {"failed", r.idle.failed},
                   {"closed_by_server", r.idle.closed_by_server},
                   {"open_s", r.idle.open_s}};
  }
  return out;
}

void write_summary(std::ostream& out, const options& o, const run_result& r) {
  const auto& h = r.latency_ns;
  out << std::fixed << std::setprecision(1);
  out << (o.label.empty() ? std::string("run") : o.label) << ": "
      << (o.mode == loop_mode::open ? "open" : "closed") << " loop, " << o.connections
      << " connections x depth " << o.depth << ", " << o.threads << " thread(s), " << r.window_s
      << " s, " << (r.tls_version.empty() ? "no TLS session" : r.tls_version) << "\n";
  out << "  throughput " << throughput(r) << "/s";
  if (o.mode == loop_mode::open) out << " (target " << o.rate_per_s << "/s)";
  out << ", " << r.responses << " answers, " << r.requests_lost << " lost\n";
  out << "  latency us:";
  for (const auto& p : percentiles) out << " " << p.name << " " << micros(h.quantile(p.q));
  out << " max " << micros(h.max()) << "\n  status:";
  for (std::size_t s = 0; s < r.statuses.size(); ++s) {
    if (r.statuses[s] != 0) out << " " << s << " x" << r.statuses[s];
  }
  out << "\n  transport failures:";
  bool any = false;
  for (std::size_t f = 0; f < r.failures.size(); ++f) {
    if (r.failures[f] == 0) continue;
    out << " " << to_string(static_cast<failure>(f)) << " x" << r.failures[f];
    any = true;
  }
  if (!any) out << " none";
  out << "\n  driver CPU " << r.cpu_user_s + r.cpu_system_s << " s (user " << r.cpu_user_s
      << ", system " << r.cpu_system_s << "), " << cpu_per_response_us(r) << " us per answer\n";
  if (r.idle.requested > 0) {
    out << "  idle connections: " << r.idle.opened << " of " << r.idle.requested << " open in "
        << r.idle.open_s << " s, " << r.idle.failed << " failed, " << r.idle.closed_by_server
        << " closed by the server during the run\n";
  }
}

void write_distribution(std::ostream& out, const histogram& h) {
  out << "# latency_us percentile count_at_or_below 1/(1-percentile)\n";
  const auto total = static_cast<double>(h.count());
  std::uint64_t seen = 0;
  out << std::setprecision(6);
  h.for_each_bucket([&](std::uint64_t highest, std::uint64_t count) {
    seen += count;
    const double p = static_cast<double>(seen) / total;
    if (seen == h.count()) return;
    out << micros(highest) << " " << p << " " << seen << " " << 1.0 / (1.0 - p) << "\n";
  });
  out << "# max_us " << micros(h.max()) << " count " << h.count() << "\n";
}

}  // namespace sy::load
