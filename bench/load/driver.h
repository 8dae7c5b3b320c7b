// The load driver's engine: connections on one io_context per thread, each pipelining signed
// requests closed or open loop, and what the run measured, merged over the threads.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "bench/load/histogram.h"
#include "bench/load/options.h"

namespace sy::load {

// Why a connection ended before its work was done.
enum class failure : std::uint8_t {
  connect,        // TCP connect refused or timed out
  handshake,      // TLS handshake failed or timed out
  write,          // a write failed
  read,           // a read failed (reset, TLS error)
  closed,         // the server closed the connection (end of stream or `Connection: close`)
  malformed,      // bytes that are not an HTTP/1.1 answer
  drain_timeout,  // requests still unanswered --drain-timeout after the load ended
};
inline constexpr std::size_t failure_kind_count = 7;
std::string_view to_string(failure f) noexcept;

inline constexpr std::size_t http_status_count = 600;

struct idle_result {
  std::uint64_t requested = 0;
  std::uint64_t opened = 0;
  std::uint64_t failed = 0;            // could not connect or complete the handshake
  std::uint64_t closed_by_server = 0;  // closed by the server before the run ended
  double open_s = 0;                   // opening all of them took this long
};

struct run_result {
  histogram latency_ns{7};
  std::array<std::uint64_t, http_status_count> statuses{};
  std::array<std::uint64_t, failure_kind_count> failures{};
  std::uint64_t requests_sent = 0;
  std::uint64_t responses = 0;
  std::uint64_t responses_in_window = 0;  // answered before the load's end: the throughput
  std::uint64_t requests_lost = 0;        // in flight on a connection that failed
  std::uint64_t response_body_bytes = 0;
  double window_s = 0;    // the load's duration as run
  double cpu_user_s = 0;  // this process, from the load's start until every answer is in
  double cpu_system_s = 0;
  std::string tls_version;  // as negotiated with the target
  idle_result idle;

  void merge(const run_result& other);
};

// Runs the load `o` describes; progress lines (the idle connections being open) go to
// `progress`. Fails (returns with every request lost) only as the target does: a refused
// connection is a failure counted in the result, not an error.
run_result run_load(const options& o, std::ostream& progress);

}  // namespace sy::load
