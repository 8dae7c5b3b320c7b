// `switchyard store check` and `switchyard store stat`: walk every table verifying every record
// envelope, and report entries, pages and map usage per table, as printable reports.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "clearing/store/environment.h"
#include "config/result.h"

namespace sy::clearing::store {

struct table_check {
  table where = table::meta;
  std::uint64_t records = 0;  // records visited
  std::uint64_t corrupt = 0;  // records failing their envelope check
};

struct check_problem {
  table where = table::meta;
  std::string key_hex;  // the key as lowercase hex (keys may hold binary fields)
  error_code error;     // errc::corrupt_record
  std::string detail;   // what is wrong beyond the error, e.g. a missing journal entry
};

struct check_report {
  std::array<table_check, table_count> tables{};
  std::vector<check_problem> problems;  // the first limits::store_check_problem_count_max
  std::uint64_t problem_count = 0;      // all problems found

  bool ok() const noexcept { return problem_count == 0; }
};

// Counts a problem with the record under `key` in `t` and keeps it when fewer than
// limits::store_check_problem_count_max are kept. For checks layered on this one (the book's).
void add_problem(check_report& report, table t, std::string_view key, error_code error,
                 std::string what = {});

// Verifies the envelope of every record of every table in one read transaction (a consistent
// snapshot; a growth of the map waits until it ends). Problems are reported, not returned as
// errors. Errors: errc::injected_failure; an lmdb_category code.
result<check_report> check(const environment& env);

// One line per table and a verdict line, e.g. `payments  records 1204  corrupt 0`.
std::string to_string(const check_report& report);

struct table_stat {
  table where = table::meta;
  std::uint64_t entries = 0;
  std::uint32_t depth = 0;
  std::uint64_t branch_pages = 0;
  std::uint64_t leaf_pages = 0;
  std::uint64_t overflow_pages = 0;
};

struct stat_report {
  std::array<table_stat, table_count> tables{};
  std::uint32_t page_size = 0;
  std::int64_t map_size_bytes = 0;  // the current map size
  std::int64_t map_used_bytes = 0;  // pages in use up to the last one written
  std::uint32_t readers_used = 0;   // reader slots taken (including this process's pool)
  std::uint32_t readers_max = 0;
};

// Entries and pages of each table, and the map and reader usage. Errors: errc::injected_failure;
// an lmdb_category code.
result<stat_report> stat(const environment& env);

// One line per table, then the map and reader lines.
std::string to_string(const stat_report& report);

}  // namespace sy::clearing::store
