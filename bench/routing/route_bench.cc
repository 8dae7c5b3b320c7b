// Route decisions per second against a table of 10,000 BIN ranges.
// Target (issue 5): at least 5,000,000 decisions per second per core (<= 200 ns each), where a
// decision is a first-match lookup plus the health-aware pick of the first channel.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "protocol/currency.h"
#include "routing/health_board.h"
#include "routing/route_table.h"

namespace {

namespace config = sy::config;
namespace routing = sy::routing;

constexpr int bin_rule_count = 20;
constexpr int ranges_per_rule = 500;  // 20 x 500 = 10,000 BIN ranges
constexpr int request_count = 4096;

// 20 rules of 500 random 8-digit ranges, alternating CNY and USD so half the candidates fail
// on currency; then a merchant rule, a brand rule and a catch-all, all weighted over 3 channels.
config::config bench_config() {
  config::config cfg;
  for (const char* id : {"a", "b", "c", "d"}) cfg.channels.emplace_back().id = id;
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int> start(10'000'000, 99'000'000);
  std::uniform_int_distribution<int> width(0, 50'000);
  const auto add_route = [&](std::string id) -> config::route& {
    auto& r = cfg.routes.emplace_back();
    r.id = std::move(id);
    r.channels = {"a", "b", "c"};
    r.weights = {60, 30, 10};
    return r;
  };
  for (int k = 0; k < bin_rule_count; ++k) {
    auto& r = add_route("bins" + std::to_string(k));
    r.currencies = {k % 2 == 0 ? "CNY" : "USD"};
    for (int i = 0; i < ranges_per_rule; ++i) {
      const int low = start(random);
      r.bins.push_back({std::to_string(low), std::to_string(low + width(random))});
    }
  }
  add_route("merchants").merchants = {"m7", "m8", "m9"};
  add_route("amex").brands = {"amex"};
  add_route("rest");
  return cfg;
}

struct fixture {
  routing::route_table table;
  routing::health_board board;
  std::vector<std::string> pans;
};

fixture& shared_fixture() {
  static fixture f = [] {
    const auto cfg = bench_config();
    auto table = routing::route_table::build(cfg);
    if (!table) std::abort();
    fixture out{std::move(*table), routing::health_board(cfg), {}};
    for (std::size_t c = 0; c < out.board.size(); ++c) {
      out.board[c].set_connected(true);
      out.board[c].set_signed_on(true);
    }
    std::mt19937_64 random(7);
    std::uniform_int_distribution<std::uint64_t> digits(1'000'000'000'000'000,
                                                        9'999'999'999'999'999);
    for (int i = 0; i < request_count; ++i) out.pans.push_back(std::to_string(digits(random)));
    return out;
  }();
  return f;
}

// Requests are prepared once, as the gateway has its parsed request at hand before routing.
const std::vector<routing::route_request>& requests() {
  static const std::vector<routing::route_request> out = [] {
    auto& f = shared_fixture();
    const auto usd = *sy::protocol::find_currency("USD");
    const auto cny = *sy::protocol::find_currency("CNY");
    std::vector<routing::route_request> rs;
    for (std::size_t i = 0; i < f.pans.size(); ++i) {
      rs.push_back({.method = config::payment_method::card,
                    .pan = f.pans[i],
                    .currency = i % 3 == 0 ? usd : cny,
                    .amount_minor = 1000,
                    .merchant_id = "m1",
                    .split_key = i});
    }
    return rs;
  }();
  return out;
}

// Match plus the first channel: what the gateway does for each payment.
void BM_RouteDecision(benchmark::State& state) {
  auto& f = shared_fixture();
  const auto& rs = requests();
  const auto now = routing::channel_health::clock::now();
  std::size_t i = 0;
  for (auto _ : state) {
    auto plan = f.table.plan(rs[i++ % rs.size()]);
    benchmark::DoNotOptimize(plan.next(f.board, now));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bin_segments"] = static_cast<double>(f.table.bin_segment_count());
}
BENCHMARK(BM_RouteDecision);

// First-match lookup alone.
void BM_RouteMatch(benchmark::State& state) {
  auto& f = shared_fixture();
  const auto& rs = requests();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.table.match(rs[i++ % rs.size()]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteMatch);

}  // namespace
