// Opening the LMDB environment, checking the layout version, and the copy-out reads.
#include "clearing/store/environment.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "clearing/store/detail/env_state.h"
#include "clearing/store/errc.h"
#include "config/assert.h"

namespace sy::clearing::store {
namespace {

constexpr std::string_view layout_key = "layout_version";
constexpr std::uint8_t layout_kind = 1;  // meta record: u32 little-endian layout version

error_code lmdb_error(int rc) noexcept {
  return make_lmdb_error(rc);
}

std::string layout_payload() {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((layout_version >> (8 * i)) & 0xff);
  return out;
}

bool valid_key(std::string_view key) noexcept {
  return !key.empty() && key.size() <= limits::store_key_size_max;
}

// True when every table but meta is empty: a store that may be given a layout version.
result<bool> tables_empty(detail::env_state& s, MDB_txn* txn) noexcept {
  for (const table t : all_tables) {
    if (t == table::meta || !s.has(t)) continue;
    MDB_stat st;
    if (const int rc = mdb_stat(txn, s.dbi(t), &st)) {
      return result<bool>(boost::system::in_place_error, lmdb_error(rc));
    }
    if (st.ms_entries != 0) return false;
  }
  return true;
}

error_code write_layout(detail::env_state& s, MDB_txn* txn) {
  MDB_val key = detail::to_val(layout_key);
  std::string sealed = seal(table::meta, layout_key, layout_kind, layout_payload());
  MDB_val data = detail::to_val(sealed);
  if (const int rc = mdb_put(txn, s.dbi(table::meta), &key, &data, 0)) return lmdb_error(rc);
  return {};
}

// Checks the layout version in meta, writing it into a new store. Runs in open's transaction.
error_code check_layout(detail::env_state& s, MDB_txn* txn) {
  MDB_val key = detail::to_val(layout_key);
  MDB_val value;
  const int rc = s.has(table::meta) ? mdb_get(txn, s.dbi(table::meta), &key, &value) : MDB_NOTFOUND;
  if (rc == MDB_NOTFOUND) {
    auto empty = tables_empty(s, txn);
    if (!empty) return empty.error();
    if (!*empty) return errc::layout_missing;
    // Read-only: an empty store (a switch stopped before its first commit) has nothing to check.
    return s.options.read_only ? error_code() : write_layout(s, txn);
  }
  if (rc != 0) return lmdb_error(rc);
  auto rec = unseal(table::meta, layout_key, detail::view(value));
  if (!rec || rec->kind != layout_kind || rec->payload.size() != 4) return errc::corrupt_record;
  if (rec->payload != layout_payload()) return errc::version_mismatch;
  return {};
}

// Opens every table and checks the layout, in one transaction. Writable: creates missing
// tables. Read-only: a read transaction, so LMDB's write lock is never taken; a missing table
// stays absent and reads as empty. Committing (even the read transaction) keeps the handles.
error_code open_tables(detail::env_state& s) {
  const bool read_only = s.options.read_only;
  MDB_txn* txn = nullptr;
  if (const int rc = mdb_txn_begin(s.env, nullptr, read_only ? MDB_RDONLY : 0, &txn)) {
    return lmdb_error(rc);
  }
  for (const table t : all_tables) {
    const std::string name(table_name(t));
    const auto i = static_cast<std::size_t>(t);
    const int rc = mdb_dbi_open(txn, name.c_str(), read_only ? 0 : MDB_CREATE, &s.dbis[i]);
    if (rc == MDB_NOTFOUND && read_only) continue;
    if (rc != 0) {
      mdb_txn_abort(txn);
      return lmdb_error(rc);
    }
    s.present[i] = true;
  }
  if (const error_code ec = check_layout(s, txn)) {
    mdb_txn_abort(txn);
    return ec;
  }
  if (const int rc = mdb_txn_commit(txn)) return lmdb_error(rc);
  return {};
}

// A read-only open creates nothing, so the directory must already hold LMDB's data file, and a
// non-empty one (LMDB would try to initialise an empty file).
error_code require_data_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size =
      std::filesystem::file_size(std::filesystem::path(path) / "data.mdb", ec);
  if (ec == std::errc::no_such_file_or_directory || (!ec && size == 0)) return lmdb_error(ENOENT);
  if (ec) return error_code(ec);
  return {};
}

int open_lmdb_with(detail::env_state& s, unsigned flags) {
  const environment_options& o = s.options;
  if (const int rc = mdb_env_create(&s.env)) return rc;
  int rc = mdb_env_set_maxdbs(s.env, static_cast<MDB_dbi>(table_count));
  if (rc == 0) rc = mdb_env_set_maxreaders(s.env, limits::store_reader_count_max);
  // Read-only too: LMDB raises a smaller map to the size the data needs.
  if (rc == 0) rc = mdb_env_set_mapsize(s.env, static_cast<std::size_t>(o.map_size_bytes));
  if (rc == 0) rc = mdb_env_open(s.env, o.path.c_str(), flags, 0640);
  return rc;
}

// Opens the LMDB environment. MDB_NOTLS: read transactions belong to the pool, not to threads.
// Default sync: every commit is fsync'd, the durability the merchant API promises.
int open_lmdb(detail::env_state& s) {
  if (!s.options.read_only) return open_lmdb_with(s, MDB_NOTLS);
  const int rc = open_lmdb_with(s, MDB_NOTLS | MDB_RDONLY);
  if (rc != EACCES) return rc;
  // The lock file is not ours to write (a read-only copy, another user's store). LMDB itself
  // drops the lock on a read-only filesystem; do the same, but say what it costs: this process
  // is invisible to a writer, which may reuse the pages it reads.
  mdb_env_close(s.env);
  s.env = nullptr;
  const int retry = open_lmdb_with(s, MDB_NOTLS | MDB_RDONLY | MDB_NOLOCK);
  if (retry == 0) {
    s.warn(
        "store lock file not writable, opened without it: reads are consistent only while "
        "no switch writes this store");
  }
  return retry;
}

error_code open_env(detail::env_state& s) {
  const environment_options& o = s.options;
  if (o.read_only) {
    if (const error_code ec = require_data_file(o.path)) return ec;
  } else {
    std::error_code fs_error;
    std::filesystem::create_directories(o.path, fs_error);
    if (fs_error) return error_code(fs_error);
  }
  int rc = open_lmdb(s);
  if (rc != 0) return lmdb_error(rc);
  // Free the reader slots of processes that died holding them (a killed `store check`): stale
  // slots would pin old pages and keep the file growing.
  int stale_readers = 0;
  if ((rc = mdb_reader_check(s.env, &stale_readers)) != 0) return lmdb_error(rc);
  MDB_envinfo info;
  if ((rc = mdb_env_info(s.env, &info)) != 0) return lmdb_error(rc);
  s.map_size.store(static_cast<std::int64_t>(info.me_mapsize));
  return open_tables(s);
}

// The first key above every key starting with `prefix`: the prefix without its trailing 0xff
// bytes, last byte incremented. Empty when there is none (an empty or all-0xff prefix).
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

// Positions `cursor` on the last key below both `after` (when given) and the prefix's end.
// MDB_SET_RANGE finds the first key at or above that bound, MDB_PREV the one before it; with
// no key at or above it (or no bound), the table's last key is the one.
int seek_reverse(MDB_cursor* cursor, const scan_range& range, MDB_val& k, MDB_val& v) {
  std::string bound = prefix_end(range.prefix);
  if (!range.after.empty() && (bound.empty() || range.after < bound)) bound = range.after;
  if (bound.empty()) return mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  k = detail::to_val(bound);
  const int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  if (rc != 0) return rc;
  return mdb_cursor_get(cursor, &k, &v, MDB_PREV);
}

// Positions `cursor` on the first key at or above the prefix and strictly above `after`.
int seek_forward(MDB_cursor* cursor, const scan_range& range, MDB_val& k, MDB_val& v) {
  const std::string_view start = range.after > range.prefix ? range.after : range.prefix;
  k = detail::to_val(start);
  int rc = start.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                         : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && !range.after.empty() && detail::view(k) == range.after) {
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  return rc;
}

}  // namespace

environment_options environment_options::from(const config::storage_settings& settings) {
  environment_options o;
  o.path = settings.path;
  o.map_size_bytes = settings.map_size_bytes;
  o.map_growth = settings.map_growth;
  o.map_size_max = settings.map_size_max_bytes;
  return o;
}

namespace detail {

env_state& state_of(const environment& env) noexcept {
  return *env.state_;
}

env_state::env_state(environment_options opts) : options(std::move(opts)) {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&resize_lock, &attr);
  pthread_rwlockattr_destroy(&attr);
  pool.reserve(limits::store_reader_count_max);
}

env_state::~env_state() {
  for (MDB_txn* txn : pool) mdb_txn_abort(txn);
  if (env != nullptr) mdb_env_close(env);
  pthread_rwlock_destroy(&resize_lock);
}

result<MDB_txn*> env_state::begin_read() noexcept {
  MDB_txn* txn = nullptr;
  {
    const std::lock_guard lock(pool_mutex);
    if (!pool.empty()) {
      txn = pool.back();
      pool.pop_back();
    }
  }
  if (txn != nullptr) {
    if (const int rc = mdb_txn_renew(txn)) {
      mdb_txn_abort(txn);
      return lmdb_error(rc);
    }
    return txn;
  }
  if (const int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn)) return lmdb_error(rc);
  return txn;
}

void env_state::end_read(MDB_txn* txn) noexcept {
  mdb_txn_reset(txn);
  const std::lock_guard lock(pool_mutex);
  pool.push_back(txn);  // never reallocates: at most maxreaders transactions exist
}

error_code env_state::grow_map() noexcept {
  const std::int64_t current = map_size.load();
  if (!options.map_growth || current >= options.map_size_max) return errc::map_full;
  const std::int64_t next = current > options.map_size_max / 2 ? options.map_size_max : 2 * current;
  pthread_rwlock_wrlock(&resize_lock);
  {
    // Pooled transactions were reset, but drop them anyway: none may span a remap.
    const std::lock_guard lock(pool_mutex);
    for (MDB_txn* txn : pool) mdb_txn_abort(txn);
    pool.clear();
  }
  const int rc = mdb_env_set_mapsize(env, static_cast<std::size_t>(next));
  pthread_rwlock_unlock(&resize_lock);
  if (rc != 0) return lmdb_error(rc);
  map_size.store(next);
  map_grown_count.fetch_add(1);
  warn("store map grown to " + std::to_string(next) + " bytes");
  return {};
}

void env_state::warn(std::string_view message) const noexcept {
  // Messages are the store's own text: table names, numbers and hex keys, nothing to escape.
  std::string line = R"({"level":"warn","component":"store","message":")";
  line.append(message);
  line += "\"}";
  if (options.log) {
    options.log(line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void env_state::note_corrupt(table t, std::string_view key) noexcept {
  corrupt_read_count.fetch_add(1);
  if (corrupt_logged.exchange(true)) return;
  warn("corrupt record in table " + std::string(table_name(t)) + " key " + hex(key));
}

namespace {

result<MDB_txn*> lock_and_begin(env_state& state) noexcept {
  // Fails only on a reader-count overflow or a recursive hold (a store call from inside a scan
  // visitor), both bugs; going on would unlock a lock this thread never took.
  SY_VERIFY(pthread_rwlock_rdlock(&state.resize_lock) == 0);
  return state.begin_read();
}

}  // namespace

read_scope::read_scope(env_state& state) noexcept : state_(state), txn_(lock_and_begin(state)) {}

read_scope::~read_scope() {
  if (txn_) state_.end_read(*txn_);
  pthread_rwlock_unlock(&state_.resize_lock);
}

std::string hex(std::string_view key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * key.size());
  for (const char c : key) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

}  // namespace detail

result<std::unique_ptr<environment>> environment::open(environment_options options) {
  auto state = std::make_unique<detail::env_state>(std::move(options));
  if (const error_code ec = open_env(*state)) return ec;
  return std::unique_ptr<environment>(new environment(std::move(state)));
}

environment::environment(std::unique_ptr<detail::env_state> state) noexcept
    : state_(std::move(state)) {}

environment::~environment() = default;

result<record> environment::read(table t, std::string_view key) const {
  detail::env_state& s = *state_;
  if (!valid_key(key)) return errc::key_too_large;
  if (s.options.faults != nullptr && s.options.faults->read_fails()) {
    return errc::injected_failure;
  }
  if (!s.has(t)) return errc::not_found;
  const detail::read_scope scope(s);
  auto txn = scope.txn();
  if (!txn) return txn.error();
  MDB_val k = detail::to_val(key);
  MDB_val v;
  if (const int rc = mdb_get(*txn, s.dbi(t), &k, &v)) {
    return rc == MDB_NOTFOUND ? error_code(errc::not_found) : lmdb_error(rc);
  }
  auto rec = unseal(t, key, detail::view(v));
  if (!rec) {
    s.note_corrupt(t, key);
    return rec.error();
  }
  return record{rec->kind, std::string(rec->payload)};
}

result<std::size_t> environment::scan(table t, const scan_range& range,
                                      const scan_visitor& visit) const {
  detail::env_state& s = *state_;
  if (s.options.faults != nullptr && s.options.faults->read_fails()) {
    return errc::injected_failure;
  }
  if (!s.has(t)) return std::size_t{0};
  const detail::read_scope scope(s);
  auto txn = scope.txn();
  if (!txn) return txn.error();
  MDB_cursor* cursor = nullptr;
  if (const int rc = mdb_cursor_open(*txn, s.dbi(t), &cursor)) return lmdb_error(rc);
  MDB_val k;
  MDB_val v;
  int rc = range.reverse ? seek_reverse(cursor, range, k, v) : seek_forward(cursor, range, k, v);
  const MDB_cursor_op step = range.reverse ? MDB_PREV : MDB_NEXT;
  std::size_t visited = 0;
  error_code failure;
  for (; rc == 0 && visited < range.limit; rc = mdb_cursor_get(cursor, &k, &v, step)) {
    const std::string_view key = detail::view(k);
    // The keys with the prefix are contiguous and the walk starts among them or beyond them
    // in its direction, so the first key without the prefix ends it.
    if (!key.starts_with(range.prefix)) break;
    auto rec = unseal(t, key, detail::view(v));
    if (!rec) {
      s.note_corrupt(t, key);
      failure = rec.error();
      break;
    }
    ++visited;
    if (!visit(key, *rec)) break;
  }
  mdb_cursor_close(cursor);
  if (failure) return failure;
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(rc);
  return visited;
}

std::int64_t environment::map_size_bytes() const noexcept {
  return state_->map_size.load();
}

store_counters environment::counters() const noexcept {
  return {state_->map_full_count.load(), state_->map_grown_count.load(),
          state_->corrupt_read_count.load()};
}

const environment_options& environment::options() const noexcept {
  return state_->options;
}

}  // namespace sy::clearing::store
