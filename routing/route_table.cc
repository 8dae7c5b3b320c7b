// Compiling configured routes into rules and the BIN index, and first-match lookup: the rules
// the BIN index names for the card merged in order with the rules that have no BIN ranges.
#include "routing/route_table.h"

#include <algorithm>

#include "routing/route_errc.h"

namespace sy::routing {
namespace {

// What compiling one route adds to the BIN index besides the rule itself.
using bin_entries = std::vector<detail::bin_index::entry>;

result<void> compile_channels(const config::route& in, const config::config& cfg, route_rule& out) {
  if (in.channels.size() > 64) return route_errc::channel_count_over;
  for (const auto& id : in.channels) {
    const auto it = std::find_if(cfg.channels.begin(), cfg.channels.end(),
                                 [&](const config::channel& c) { return c.id == id; });
    if (it == cfg.channels.end()) return route_errc::channel_unknown;
    const auto number = static_cast<std::uint8_t>(it - cfg.channels.begin());
    if (std::find(out.channels.begin(), out.channels.end(), number) != out.channels.end()) {
      return route_errc::channel_repeated;
    }
    out.channels.push_back(number);
  }
  if (!in.weights.empty()) {
    if (in.weights.size() != in.channels.size()) return route_errc::channel_count_over;
    for (const auto w : in.weights) {
      out.weights.push_back(
          static_cast<std::uint32_t>(std::clamp<std::int64_t>(w, 0, limits::route_weight_max)));
    }
  }
  return {};
}

result<void> compile_criteria(const config::route& in, route_rule& out) {
  for (const auto& name : in.brands) {
    const auto brand = protocol::card_brand_from_string(name);
    if (!brand) return route_errc::brand_unknown;
    out.brands |= brand_bit(*brand);
  }
  for (const auto method : in.methods) out.methods |= method_bit(method);
  for (const auto& code : in.currencies) {
    const auto currency = protocol::find_currency(std::string_view(code));
    if (!currency) return route_errc::currency_unknown;
    out.currencies.push_back(currency->numeric);
  }
  std::sort(out.currencies.begin(), out.currencies.end());
  if (in.amount_min) out.amount_min = *in.amount_min;
  if (in.amount_max) out.amount_max = *in.amount_max;
  out.merchants = in.merchants;
  std::sort(out.merchants.begin(), out.merchants.end());
  return {};
}

result<route_rule> compile_route(const config::route& in, const config::config& cfg,
                                 std::uint16_t number, bin_entries& bins) {
  route_rule out;
  out.id = in.id;
  out.failover_on_timeout = in.failover_on_timeout;
  out.has_bins = !in.bins.empty();
  for (const auto& range : in.bins) {
    const auto interval = detail::normalise_bin_range(range.low, range.high);
    if (!interval) return route_errc::bin_range_invalid;
    bins.push_back({*interval, number});
  }
  if (auto r = compile_criteria(in, out); !r) return r.error();
  if (auto r = compile_channels(in, cfg, out); !r) return r.error();
  return out;
}

}  // namespace

result<route_table> route_table::build(const config::config& cfg) {
  if (cfg.routes.size() > limits::config_route_count_max) return route_errc::route_count_over;
  if (cfg.channels.size() > 0xFF) return route_errc::channel_count_over;
  route_table table;
  bin_entries bins;
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    const auto number = static_cast<std::uint16_t>(i);
    auto rule = compile_route(cfg.routes[i], cfg, number, bins);
    if (!rule) return rule.error();
    if (!rule->has_bins) table.rules_without_bins_.push_back(number);
    table.rules_.push_back(std::move(*rule));
  }
  auto index = detail::bin_index::build(bins, cfg.routes.size());
  if (!index) return index.error();
  table.bins_ = std::move(*index);
  for (const auto& c : cfg.channels) table.channel_ids_.push_back(c.id);
  return table;
}

const route_rule* route_table::match(const route_request& request) const noexcept {
  const auto brand =
      request.pan.empty() ? protocol::card_brand::unknown : protocol::brand_of(request.pan);
  std::span<const std::uint16_t> with_bins;
  if (const auto key = detail::bin_key(request.pan)) with_bins = bins_.rules_at(*key);
  const std::span<const std::uint16_t> without_bins = rules_without_bins_;
  // Both lists ascend: merging them visits candidates in configured order, so the first that
  // matches is the first matching rule.
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < with_bins.size() || j < without_bins.size()) {
    const bool take_bins =
        j == without_bins.size() || (i < with_bins.size() && with_bins[i] < without_bins[j]);
    const std::uint16_t number = take_bins ? with_bins[i++] : without_bins[j++];
    const route_rule& rule = rules_[number];
    if (matches_besides_bins(rule, request, brand)) return &rule;
  }
  return nullptr;
}

route_plan route_table::plan(const route_request& request) const noexcept {
  const route_rule* rule = match(request);
  return rule == nullptr ? route_plan{} : route_plan{*rule, request.split_key};
}

}  // namespace sy::routing
