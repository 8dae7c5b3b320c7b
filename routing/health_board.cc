// The channel health board: one channel_health per configured channel, found by number or id.
#include "routing/health_board.h"

#include <algorithm>

#include "config/assert.h"

namespace sy::routing {

health_board::health_board(const config::config& cfg, const breaker_settings& settings)
    : health_board(cfg.channels.size(), settings) {
  for (std::size_t i = 0; i < cfg.channels.size(); ++i) ids_[i] = cfg.channels[i].id;
}

health_board::health_board(std::size_t count, const breaker_settings& settings) : ids_(count) {
  channels_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    channels_.push_back(std::make_shared<channel_health>(settings));
  }
}

health_board::health_board(std::vector<std::shared_ptr<channel_health>> entries,
                           std::vector<std::string> ids)
    : channels_(std::move(entries)), ids_(std::move(ids)) {
  SY_VERIFY(channels_.size() == ids_.size());
  for (const auto& entry : channels_) SY_VERIFY(entry != nullptr);
}

std::optional<std::size_t> health_board::index_of(std::string_view channel_id) const noexcept {
  const auto it = std::find(ids_.begin(), ids_.end(), channel_id);
  if (it == ids_.end() || channel_id.empty()) return std::nullopt;
  return static_cast<std::size_t>(it - ids_.begin());
}

}  // namespace sy::routing
