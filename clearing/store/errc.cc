// The error categories of the store: names and messages of store::errc and of LMDB's codes.
#include "clearing/store/errc.h"

#include <lmdb.h>

#include <string>

namespace sy::clearing::store {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class store_errors final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.store"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::not_found:
        return "record not found";
      case errc::corrupt_record:
        return "record fails its checksum or layout check";
      case errc::key_exists:
        return "key already exists";
      case errc::key_missing:
        return "key does not exist";
      case errc::map_full:
        return "store map is full";
      case errc::version_mismatch:
        return "store layout version does not match this build";
      case errc::layout_missing:
        return "store holds data but no layout version";
      case errc::injected_failure:
        return "failure injected by a fault plan";
      case errc::writer_stopped:
        return "store writer is stopped";
      case errc::queue_full:
        return "store writer queue is full";
      case errc::key_too_large:
        return "key is empty or too long";
      case errc::value_too_large:
        return "value is too long";
      case errc::unit_too_large:
        return "unit of work is empty or has too many operations";
      case errc::record_changed:
        return "record changed since it was read";
    }
    return "unknown store error";
  }
};

class lmdb_errors final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.lmdb"; }

  std::string message(int value) const override { return mdb_strerror(value); }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& store_category() noexcept {
  static const store_errors instance;
  return instance;
}

const boost::system::error_category& lmdb_category() noexcept {
  static const lmdb_errors instance;
  return instance;
}

}  // namespace sy::clearing::store
