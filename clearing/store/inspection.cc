// The store's check and stat walks and their printable reports.
#include "clearing/store/inspection.h"

#include <algorithm>
#include <cstdio>

#include "clearing/store/detail/env_state.h"
#include "clearing/store/errc.h"

namespace sy::clearing::store {
namespace {

// Walks one table in `txn`, counting its records and noting those failing their envelope check.
// A table a read-only open did not find is empty.
error_code check_table(detail::env_state& s, MDB_txn* txn, table t, check_report& report) {
  table_check& counts = report.tables[static_cast<std::size_t>(t)];
  counts.where = t;
  if (!s.has(t)) return {};
  MDB_cursor* cursor = nullptr;
  if (const int rc = mdb_cursor_open(txn, s.dbi(t), &cursor)) return make_lmdb_error(rc);
  MDB_val k;
  MDB_val v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    ++counts.records;
    auto verified = unseal(t, detail::view(k), detail::view(v));
    if (verified) continue;
    ++counts.corrupt;
    add_problem(report, t, detail::view(k), verified.error());
  }
  mdb_cursor_close(cursor);
  return rc == MDB_NOTFOUND ? error_code() : make_lmdb_error(rc);
}

std::string line(const char* format, auto... args) {
  char buf[160];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  // snprintf returns the length it wanted; a longer line is cut, never read past the buffer.
  return std::string(buf, std::min(n < 0 ? 0 : static_cast<std::size_t>(n), sizeof buf - 1));
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

}  // namespace

void add_problem(check_report& report, table t, std::string_view key, error_code error,
                 std::string what) {
  ++report.problem_count;
  if (report.problems.size() < limits::store_check_problem_count_max) {
    report.problems.push_back({t, detail::hex(key), error, std::move(what)});
  }
}

result<check_report> check(const environment& env) {
  detail::env_state& s = detail::state_of(env);
  if (s.options.faults != nullptr && s.options.faults->read_fails()) {
    return errc::injected_failure;
  }
  const detail::read_scope scope(s);
  auto txn = scope.txn();
  if (!txn) return txn.error();
  check_report report;
  for (const table t : all_tables) {
    if (const error_code ec = check_table(s, *txn, t, report)) return ec;
  }
  return report;
}

std::string to_string(const check_report& report) {
  std::string out;
  for (const table_check& t : report.tables) {
    out += line("%-13s records %llu  corrupt %llu\n", std::string(table_name(t.where)).c_str(),
                ull(t.records), ull(t.corrupt));
  }
  for (const check_problem& p : report.problems) {
    out += std::string(table_name(p.where)) + " key " + p.key_hex + ": " + p.error.message();
    if (!p.detail.empty()) out += ": " + p.detail;
    out += '\n';
  }
  if (report.problem_count > report.problems.size()) {
    out += line("... and %llu more problems\n", ull(report.problem_count - report.problems.size()));
  }
  out += report.ok() ? "check: ok\n" : line("check: %llu problems\n", ull(report.problem_count));
  return out;
}

result<stat_report> stat(const environment& env) {
  detail::env_state& s = detail::state_of(env);
  if (s.options.faults != nullptr && s.options.faults->read_fails()) {
    return errc::injected_failure;
  }
  stat_report report;
  MDB_envinfo info;
  if (const int rc = mdb_env_info(s.env, &info)) return make_lmdb_error(rc);
  MDB_stat env_stat;
  if (const int rc = mdb_env_stat(s.env, &env_stat)) return make_lmdb_error(rc);
  report.page_size = env_stat.ms_psize;
  report.map_size_bytes = static_cast<std::int64_t>(info.me_mapsize);
  report.map_used_bytes = static_cast<std::int64_t>((info.me_last_pgno + 1) * env_stat.ms_psize);
  report.readers_used = info.me_numreaders;
  report.readers_max = info.me_maxreaders;
  const detail::read_scope scope(s);
  auto txn = scope.txn();
  if (!txn) return txn.error();
  for (const table t : all_tables) {
    if (!s.has(t)) {  // a table a read-only open did not find is empty
      report.tables[static_cast<std::size_t>(t)] = {t, 0, 0, 0, 0, 0};
      continue;
    }
    MDB_stat st;
    if (const int rc = mdb_stat(*txn, s.dbi(t), &st)) return make_lmdb_error(rc);
    report.tables[static_cast<std::size_t>(t)] = {
        t, st.ms_entries, st.ms_depth, st.ms_branch_pages, st.ms_leaf_pages, st.ms_overflow_pages};
  }
  return report;
}

std::string to_string(const stat_report& report) {
  std::string out;
  for (const table_stat& t : report.tables) {
    out += line("%-13s entries %llu  depth %u  pages branch %llu leaf %llu overflow %llu\n",
                std::string(table_name(t.where)).c_str(), ull(t.entries), t.depth,
                ull(t.branch_pages), ull(t.leaf_pages), ull(t.overflow_pages));
  }
  out += line("map: %lld of %lld bytes used (%.1f%%), page size %u\n",
              static_cast<long long>(report.map_used_bytes),
              static_cast<long long>(report.map_size_bytes),
              report.map_size_bytes > 0 ? 100.0 * static_cast<double>(report.map_used_bytes) /
                                              static_cast<double>(report.map_size_bytes)
                                        : 0.0,
              report.page_size);
  out += line("readers: %u of %u slots\n", report.readers_used, report.readers_max);
  return out;
}

}  // namespace sy::clearing::store
