// The immutable route table built from one configuration snapshot: its rules compiled for
// allocation-free first-match lookup, with BIN ranges in a sorted 11-digit interval index.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/result.h"
#include "routing/detail/bin_index.h"
#include "routing/route_plan.h"
#include "routing/route_rule.h"

namespace sy::routing {

class route_table {
 public:
  // Compiles cfg.routes in order; channels are numbered as cfg.channels lists them (the numbering
  // of a health_board built from the same snapshot). A loaded snapshot has passed the loader's
  // checks; these errors guard a snapshot built by hand.
  // Errors: route_errc::channel_unknown, channel_repeated, channel_count_over, route_count_over,
  // bin_range_invalid, currency_unknown, brand_unknown, bin_index_too_large.
  static result<route_table> build(const config::config& cfg);

  // The first rule, in configured order, whose every criterion holds; nullptr when none does.
  // A PAN that is short or not digits matches no rule with BIN ranges or brands.
  // Allocation-free: O(log segments) for the BIN index plus a few words per candidate rule.
  const route_rule* match(const route_request& request) const noexcept;

  // match() as a plan to walk the rule's channels; an unmatched plan when no rule matches. The
  // plan points into this table, which must outlive it.
  route_plan plan(const route_request& request) const noexcept;

  std::span<const route_rule> rules() const noexcept { return rules_; }
  std::size_t channel_count() const noexcept { return channel_ids_.size(); }
  std::string_view channel_id(std::size_t number) const noexcept { return channel_ids_[number]; }
  std::size_t bin_segment_count() const noexcept { return bins_.segment_count(); }

 private:
  route_table() = default;

  std::vector<route_rule> rules_;
  std::vector<std::uint16_t> rules_without_bins_;  // ascending: candidates for every key
  detail::bin_index bins_;
  std::vector<std::string> channel_ids_;
};

}  // namespace sy::routing
