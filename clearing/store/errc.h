// Error codes of the book of record, wired into boost::system::error_code: store outcomes
// (sy.store) and LMDB's own return codes (sy.lmdb), which keep the exact LMDB or errno value.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::clearing::store {

enum class errc {
  not_found = 1,     // no record under the key
  corrupt_record,    // an envelope failed to verify (length, version or checksum)
  key_exists,        // a `require::absent` precondition failed: the key is already there
  key_missing,       // a `require::present` precondition failed: the key is not there
  map_full,          // the map is full and may not (or can no longer) grow
  version_mismatch,  // the store was written by another layout version
  layout_missing,    // tables hold data but the meta table has no layout version
  injected_failure,  // a fault_plan failed this operation on purpose (tests)
  writer_stopped,    // the writer is stopping or stopped; the unit was not applied
  queue_full,        // the writer queue is at store_queue_unit_count_max
  key_too_large,     // empty key, or longer than limits::store_key_size_max
  value_too_large,   // payload longer than limits::store_value_size_max
  unit_too_large,    // empty unit of work, or more than limits::store_unit_op_count_max ops
  record_changed,    // a `require::unchanged` precondition failed: the record is not as read
};

const boost::system::error_category& store_category() noexcept;

// LMDB and system failures (I/O errors, disk full, MDB_PANIC, ...): the value is the code LMDB
// returned and the message is mdb_strerror's. `is_io_error` tells them from store outcomes.
const boost::system::error_category& lmdb_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), store_category()};
}

inline boost::system::error_code make_lmdb_error(int rc) noexcept {
  return {rc, lmdb_category()};
}

inline bool is_io_error(const boost::system::error_code& ec) noexcept {
  return ec.category() == lmdb_category();
}

// Whether `ec` says the store's bytes cannot be trusted (a record or the layout fails its
// check), as opposed to the store being unreachable: start-up exits store_corrupt for these and
// store_unavailable for the rest.
inline bool is_corruption(const boost::system::error_code& ec) noexcept {
  return ec == make_error_code(errc::corrupt_record) ||
         ec == make_error_code(errc::version_mismatch) ||
         ec == make_error_code(errc::layout_missing);
}

}  // namespace sy::clearing::store

template <>
struct boost::system::is_error_code_enum<sy::clearing::store::errc> : std::true_type {};
