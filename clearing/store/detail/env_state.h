// The LMDB handles behind store::environment, shared by the environment's reads, the writer and
// the inspection tools: the env, one dbi per table, the reader pool and the map-resize lock.
#pragma once

#include <lmdb.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/store/environment.h"

namespace sy::clearing::store::detail {

struct env_state {
  explicit env_state(environment_options opts);
  ~env_state();
  env_state(const env_state&) = delete;
  env_state& operator=(const env_state&) = delete;

  MDB_dbi dbi(table t) const noexcept { return dbis[static_cast<std::size_t>(t)]; }
  // False only for a table a read-only open did not find (it reads as empty); dbi(t) is then
  // not a handle and must not be used.
  bool has(table t) const noexcept { return present[static_cast<std::size_t>(t)]; }

  // A reset read transaction from the pool, renewed, or a new one. Call with resize_lock held
  // shared. Errors: an lmdb_category code (e.g. MDB_READERS_FULL).
  result<MDB_txn*> begin_read() noexcept;
  // Resets `txn` and returns it to the pool.
  void end_read(MDB_txn* txn) noexcept;

  // Doubles the map up to options.map_size_max. Writer thread only, with no write transaction
  // open. Takes resize_lock exclusively, so no read transaction of this process is active: LMDB
  // remaps the file and requires that. Errors: errc::map_full when growth is off or the map is
  // at its maximum; an lmdb_category code from mdb_env_set_mapsize.
  error_code grow_map() noexcept;

  // Writes one warn line naming the store component.
  void warn(std::string_view message) const noexcept;
  // Counts a read that found a corrupt record; logs the first one with its table and key.
  void note_corrupt(table t, std::string_view key) noexcept;

  environment_options options;
  MDB_env* env = nullptr;
  std::array<MDB_dbi, table_count> dbis{};
  std::array<bool, table_count> present{};
  // Readers hold it shared for the life of a read transaction; growth holds it exclusively.
  // Writer-preferring, so a steady stream of readers cannot starve a growth.
  pthread_rwlock_t resize_lock;
  std::mutex pool_mutex;
  std::vector<MDB_txn*> pool;  // reset read transactions, capacity reserved up front
  std::atomic<std::int64_t> map_size{0};
  std::atomic<std::uint64_t> map_full_count{0};
  std::atomic<std::uint64_t> map_grown_count{0};
  std::atomic<std::uint64_t> corrupt_read_count{0};
  std::atomic<bool> corrupt_logged{false};
};

// A read transaction for the life of one call: the shared resize lock, then a pooled txn.
class read_scope {
 public:
  explicit read_scope(env_state& state) noexcept;
  ~read_scope();
  read_scope(const read_scope&) = delete;
  read_scope& operator=(const read_scope&) = delete;

  // Errors: as env_state::begin_read.
  result<MDB_txn*> txn() const noexcept { return txn_; }

 private:
  env_state& state_;
  result<MDB_txn*> txn_;
};

// The bytes of an MDB_val as a view.
inline std::string_view view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

inline MDB_val to_val(std::string_view s) noexcept {
  return {s.size(), const_cast<char*>(s.data())};
}

// The key as lowercase hex, for logs and reports (keys may hold binary fields).
std::string hex(std::string_view key);

}  // namespace sy::clearing::store::detail
