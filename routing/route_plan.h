// One payment's way through a matched rule: which channel to try first (the weighted split over
// the channels available now) and, attempt after attempt, which next. Allocation-free.
#pragma once

#include <cstdint>
#include <optional>

#include "routing/health_board.h"
#include "routing/route_rule.h"

namespace sy::routing {

class route_plan {
 public:
  route_plan() = default;  // no rule matched
  route_plan(const route_rule& rule, std::uint64_t split_key) noexcept;

  bool matched() const noexcept { return rule_ != nullptr; }
  // The matched rule (its id for logs, failover_on_timeout); nullptr when none matched.
  const route_rule* rule() const noexcept { return rule_; }

  // The number of the next channel to send on, its breaker slot already claimed; nullopt when
  // no untried channel of the rule is available. Weighted channels come first, picked by the
  // split key in proportion to their weights among those available now; then the rule's
  // remaining channels in configured order (zero-weight channels are backups only). A channel
  // is offered at most once per plan. `board` is numbered like the route table's config.
  std::optional<std::size_t> next(health_board& board,
                                  channel_health::clock::time_point now) noexcept;

 private:
  std::optional<std::size_t> pick_weighted(const health_board& board,
                                           channel_health::clock::time_point now) const noexcept;

  const route_rule* rule_ = nullptr;
  std::uint64_t split_key_ = 0;  // mixed, so sequential keys still split evenly
  std::uint64_t tried_ = 0;      // bit per position in rule_->channels
};

}  // namespace sy::routing
