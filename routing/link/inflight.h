// The requests outstanding on one bank link connection: matched to their responses in any order
// by MTI class, STAN, terminal id and RRN (specs/bank-link.md), bounded, with per-request
// deadlines.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "config/limits.h"
#include "config/result.h"

namespace sy::routing::link {

struct response;

using link_clock = std::chrono::steady_clock;

// A request as its connection tells it apart: its MTI, DE 11, DE 41 and DE 37, at their wire
// widths (DE 41 and DE 37 space-padded; DE 37 all spaces for a request without one, e.g. 0800).
struct inflight_key {
  std::array<char, 4> mti{};
  std::array<char, 6> stan{};
  std::array<char, 8> terminal{};
  std::array<char, 12> rrn{};

  // Longer values are cut to the element's width: a builder already refused them.
  static inflight_key make(std::string_view request_mti, std::string_view stan,
                           std::string_view terminal, std::string_view rrn) noexcept;
  friend bool operator==(const inflight_key&, const inflight_key&) = default;
};

// What a response tells of its request: the request's MTI (0210 -> 0200) and the same elements.
// A response without DE 37 matches on the others alone (the spec: "DE 37 when present").
struct response_key {
  inflight_key key;
  bool has_rrn = false;

  static response_key of(const response& r) noexcept;
};

enum class match_kind : std::uint8_t {
  matched,    // the outstanding request it answers, now removed
  late,       // answers a request that timed out or was given up: log, count, never apply
  duplicate,  // answers a request already answered: log, count, never apply
  unknown,    // matches nothing the connection remembers: log and count
};

struct match {
  match_kind kind = match_kind::unknown;
  std::uint64_t token = 0;  // matched: the caller's token for the request
};

struct expired_request {
  inflight_key key;
  std::uint64_t token = 0;
};

// Monotonic counts for the channel's metrics.
struct inflight_counters {
  std::uint64_t matched = 0;
  std::uint64_t late = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t unknown = 0;
  std::uint64_t refused_full = 0;
  std::uint64_t timed_out = 0;
};

// One connection's table; not thread-safe (a connection lives on one worker). Allocates only in
// its constructor: an open-addressing table at most half full, and a ring of the keys of requests
// that ended, which tells late and duplicate responses from unknown ones.
class inflight_table {
 public:
  // `count_max`: the channel's inflight_max plus limits::link_control_inflight_count for the
  // connection's own messages.
  // `retired_count_max`: ended requests remembered; 0 means count_max times
  // limits::link_retired_per_inflight.
  explicit inflight_table(std::size_t count_max, std::size_t retired_count_max = 0);

  // Registers a request sent (or about to be); `token` is the caller's handle for it. Errors:
  // inflight_full (back-pressure: the caller stops taking requests for this connection),
  // inflight_duplicate (the same key is outstanding: a numbering bug upstream).
  result<void> add(const inflight_key& key, std::uint64_t token,
                   link_clock::time_point deadline) noexcept;

  // The request `key` answers, removed, or why there is none. Counts each kind.
  match take(const response_key& key) noexcept;

  // Removes up to out.size() requests whose deadline is at or before `now` into `out`, and
  // returns how many; call again while it fills `out`. Their responses become `late`.
  std::size_t expire(link_clock::time_point now, std::span<expired_request> out) noexcept;

  // Gives up one request (e.g. reversed before its deadline): false when it is not outstanding.
  bool abandon(const inflight_key& key) noexcept;

  std::size_t size() const noexcept { return size_; }
  std::size_t count_max() const noexcept { return count_max_; }
  const inflight_counters& counters() const noexcept { return counters_; }

 private:
  struct slot {
    inflight_key key;
    std::uint64_t token = 0;
    link_clock::time_point deadline{};
    bool used = false;
  };
  enum class ending : std::uint8_t { answered, given_up };
  struct retired {
    inflight_key key;
    ending how = ending::answered;
  };

  std::size_t home_of(const inflight_key& key) const noexcept;
  std::size_t find(const response_key& key) const noexcept;  // slots_.size(): none
  void erase_at(std::size_t index) noexcept;
  void retire(const inflight_key& key, ending how) noexcept;
  match recall(const response_key& key) noexcept;

  std::size_t count_max_;
  std::size_t size_ = 0;
  std::vector<slot> slots_;  // a power of two, at least twice count_max_
  std::vector<retired> retired_;
  std::size_t retired_next_ = 0;
  std::size_t retired_size_ = 0;
  inflight_counters counters_;
};

}  // namespace sy::routing::link
