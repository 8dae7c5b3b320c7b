// The LMDB environment of the book of record: opening and checking the layout, the named
// tables, and short copy-out reads. Every write goes through the single `writer` (writer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "clearing/store/envelope.h"
#include "clearing/store/fault_plan.h"
#include "clearing/store/table.h"
#include "config/config.h"
#include "config/limits.h"
#include "config/result.h"

namespace sy::clearing::store {

class environment;

namespace detail {
struct env_state;
// The environment's LMDB handles, for the store's own writer and inspection code only.
env_state& state_of(const environment& env) noexcept;
}  // namespace detail

// The version of the table layouts; stored in the meta table and checked on open. Bump it with
// every incompatible change to a key or payload layout (docs/storage.md).
inline constexpr std::uint32_t layout_version = 3;

// Receives one JSON log line (no trailing newline) for each degraded path, e.g. a full map.
using log_sink = std::function<void(std::string_view line)>;

struct environment_options {
  std::string path;  // a directory; created when missing (unless read_only)
  std::int64_t map_size_bytes = limits::store_map_size_min;
  bool map_growth = true;  // on MDB_MAP_FULL, double the map up to map_size_max
  std::int64_t map_size_max = limits::store_map_size_max;
  // For tools (`store stat|check`): MDB_RDONLY, so the store is opened beside a running switch
  // without taking LMDB's write lock, and nothing is created or written. A writer on such an
  // environment fails every batch with EACCES (lmdb_category), LMDB's answer to a write
  // transaction in a read-only environment.
  bool read_only = false;
  fault_plan* faults = nullptr;  // tests only: injected read and commit failures; not owned
  log_sink log;                  // empty: warn lines go to stderr

  static environment_options from(const config::storage_settings& settings);
};

// Monotonic counts of degraded paths (DESIGN.md: every one bumps a counter), for /metrics.
struct store_counters {
  std::uint64_t map_full = 0;       // batches failed with map_full
  std::uint64_t map_grown = 0;      // successful map growths
  std::uint64_t corrupt_reads = 0;  // reads that found a record failing its envelope check
};

// What a scan visits: keys that start with `prefix` (empty: every key), at most `limit` of them.
// Forward: in ascending key order, the keys sorting after `after` (empty: from the first).
// Reverse: in descending key order, the keys sorting before `after` (empty: from the last), e.g.
// a merchant's payments newest first. Either way `after` is the last key of the previous page.
struct scan_range {
  std::string_view prefix;
  std::string_view after;
  std::size_t limit = 0;
  bool reverse = false;
};

// Called for each record of a scan, inside its read transaction: the views die when it returns.
// Returns false to stop the scan early. It must not call the store (read, scan, check, stat):
// the scan holds the map's resize lock, and a nested hold can deadlock against a growth.
using scan_visitor = std::function<bool(std::string_view key, const record_view& record)>;

class environment {
 public:
  // Opens (creating when new) the store at options.path and checks its layout version.
  // Read-only (options.read_only): creates nothing; a table missing from the store reads as
  // empty (a table added since the store was last opened for writing); a store whose lock file
  // cannot be written is opened without it, with a warn line (reads are then safe only while no
  // switch writes the store).
  // Errors: errc::version_mismatch; errc::corrupt_record when the meta record fails its check;
  // errc::layout_missing when tables hold data but meta has no version; an lmdb_category code
  // (e.g. MDB_INVALID for a file that is not LMDB, EACCES; read-only: ENOENT when the directory
  // holds no LMDB data file or an empty one) or a system error creating the directory.
  // Thread-safe once opened.
  static result<std::unique_ptr<environment>> open(environment_options options);

  // Destroy the writer (if any) first.
  ~environment();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  // The record under `key` in `t`, copied out of a short read transaction. Errors:
  // errc::not_found; errc::corrupt_record (logged once at warn with table and key, counted);
  // errc::key_too_large; errc::injected_failure; an lmdb_category code.
  result<record> read(table t, std::string_view key) const;

  // Visits the records of `range` in `t` in one short read transaction and returns how many
  // were visited. Errors: errc::corrupt_record at the first record failing its check (records
  // before it were visited); errc::injected_failure; an lmdb_category code.
  result<std::size_t> scan(table t, const scan_range& range, const scan_visitor& visit) const;

  // The current map size in bytes (grows when options.map_growth is set).
  std::int64_t map_size_bytes() const noexcept;
  store_counters counters() const noexcept;
  const environment_options& options() const noexcept;

 private:
  friend detail::env_state& detail::state_of(const environment& env) noexcept;

  explicit environment(std::unique_ptr<detail::env_state> state) noexcept;

  std::unique_ptr<detail::env_state> state_;
};

}  // namespace sy::clearing::store
