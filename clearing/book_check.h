// The book-level half of `switchyard store check`: every record decodes as a kind of its table,
// sits under the key its own fields give, and the tables agree with each other (journal <->
// events <-> payments, the merchant indexes, expiry indexes, channel requests).
#pragma once

#include "clearing/store/environment.h"
#include "clearing/store/inspection.h"
#include "config/result.h"

namespace sy::clearing {

// Walks every table but meta in pages of short read transactions and adds what it finds to
// `report` (problems with a detail sentence; records counted per table are the envelope check's).
// Safe on a store that a running switch is writing: a problem found on a record is reported only
// if that record is still the same when read again, so a step committed mid-walk is not one.
// Errors: errc::injected_failure; an lmdb_category code.
result<void> check_book(const store::environment& env, store::check_report& report);

}  // namespace sy::clearing
