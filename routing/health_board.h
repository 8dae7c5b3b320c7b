// The health of every configured channel, numbered as the configuration lists them (the numbers
// a route table's plans hand out). Links and route selection share it; a reload makes a new board
// for the new numbering that shares the entries of the channels it keeps.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "routing/channel_health.h"

namespace sy::routing {

class health_board {
 public:
  // One entry per channel of `cfg`, every one disconnected and with a closed breaker.
  explicit health_board(const config::config& cfg, const breaker_settings& settings = {});
  // `count` anonymous channels, for tests and benchmarks.
  explicit health_board(std::size_t count, const breaker_settings& settings = {});
  // The entries given, numbered in order: `ids[i]` names `entries[i]` (same size, none null).
  health_board(std::vector<std::shared_ptr<channel_health>> entries, std::vector<std::string> ids);

  std::size_t size() const noexcept { return channels_.size(); }
  channel_health& operator[](std::size_t index) noexcept { return *channels_[index]; }
  const channel_health& operator[](std::size_t index) const noexcept { return *channels_[index]; }
  // The entry itself, for a link that reports into it and a later board that keeps it.
  const std::shared_ptr<channel_health>& entry(std::size_t index) const noexcept {
    return channels_[index];
  }

  // The number of the channel with this id; nullopt when there is none.
  std::optional<std::size_t> index_of(std::string_view channel_id) const noexcept;

 private:
  // By pointer because channel_health holds atomics and must never move; shared with the boards
  // of other configurations that keep the channel.
  std::vector<std::shared_ptr<channel_health>> channels_;
  std::vector<std::string> ids_;
};

}  // namespace sy::routing
