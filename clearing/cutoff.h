// Clearing a business date (docs/clearing.md): the date's journal, with the late events of
// earlier dates sealed too early, becomes the channels' clearing files and the merchants'
// settlement statements, and the date is sealed so that clearing it again reproduces the same
// bytes. Blocking file and store work: run it on a thread of its own (the daemon's clearing
// thread, `switchyard clear`), never on a worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "clearing/business_date.h"
#include "clearing/layout.h"
#include "clearing/output_file.h"
#include "clearing/store/environment.h"
#include "clearing/store/writer.h"
#include "config/config.h"
#include "config/result.h"
#include "hsm/backend.h"

namespace sy::clearing {

enum class clearing_errc : std::uint8_t {
  date_open,          // the date's cutoff has not passed
  merchant_unknown,   // an event's merchant is not in the configuration (its fees are needed)
  book_inconsistent,  // the journal holds what the payment model never writes (store check)
  not_reproducible,   // a sealed file regenerated to other bytes than its seal records
  concurrent_run,     // another run finalized an earlier date meanwhile: run again
  store_failed,       // a read or a commit failed
  output_failed,      // a file could not be written (the directory, a full disk)
  not_cleared,        // reconciliation of a date not cleared yet
  bad_input,          // a bank file, or a request naming what the configuration lacks
};

std::string_view to_string(clearing_errc e) noexcept;

struct clearing_error {
  clearing_errc code = clearing_errc::store_failed;
  std::string message;  // names the date, the file, the event or the key, and the cause
};

struct clearing_report {
  // Sealed by this run, or sealed before and its files checked (and any missing one rewritten).
  bool sealed_now = false;
  layout::batch_record batch;
  std::vector<layout::batch_file> files;  // clearing files first, each kind in party order
  std::vector<std::chrono::year_month_day> finalized;  // earlier dates whose late events it took
};

struct clearing_context {
  const store::environment& env;
  store::writer& writer;
  const config::config& cfg;  // merchants' fee schedules, channels, [clearing]
  const business_calendar& calendar;
  // Signs the files when [clearing] signing_key is set (null otherwise); see file_signature.
  hsm::backend* hsm = nullptr;
};

// The text of NAME.sig (docs/clearing.md, "Signatures"): "<hex>  NAME  key=KEY version=V\n",
// hex of the HMAC under the key's version V (its active one when signed) over
// "switchyard-file-signature-v1\n" NAME "\n" SHA256 "\n" (the file's digest in lower-case hex),
// so a verifier checks the digest with sha256sum and the digest with the key.
// Errors: the HSM's (the key missing, not a file_signing key).
result<std::string> file_signature(hsm::backend& hsm, std::string_view key, std::string_view name,
                                   std::string_view sha256);

// The signer of ctx's files; nullopt unless [clearing] signing_key is set, in which case ctx must
// carry an HSM (SY_VERIFY: a caller that drops it would publish unsigned files).
std::optional<file_signer> signer_of(const clearing_context& ctx);

// Clears `date` at `now`. An unsealed date is cleared from its journal and sealed: final when
// `now` is past its close and grace period (and limits::clearing_final_margin_s), else the next
// date's clearing takes any event that reaches it afterwards as an adjustment. A sealed date's
// files are checked against the seal and any missing or altered one is regenerated from the entries
// the seal names; a regeneration that does not match the seal's digest is not_reproducible and
// writes nothing. Errors: every clearing_errc; nothing is published unless the whole run succeeded.
result<clearing_report, clearing_error> clear_date(const clearing_context& ctx,
                                                   std::chrono::year_month_day date,
                                                   std::chrono::sys_seconds now);

// Visits the presented journal entries of a sealed date in its files' order: the adjustments
// (events of earlier dates it took) first, then its own. For reconciliation and for reproducing
// the files. Errors: store_failed; book_inconsistent when the journal lacks an entry the seal
// names; whatever `visit` returns, which stops the walk.
using sealed_visitor = std::function<result<void, clearing_error>(
    const layout::journal_entry& entry, bool adjustment)>;
result<void, clearing_error> visit_sealed(const store::environment& env,
                                          const layout::batch_record& seal,
                                          const sealed_visitor& visit);

// The dates the daemon should clear at `now`: closed and past their grace period, at most
// limits::clearing_catch_up_days back, not sealed, with at least one journal entry; oldest first.
result<std::vector<std::chrono::year_month_day>> dates_due(const store::environment& env,
                                                           const business_calendar& calendar,
                                                           std::int64_t grace_s,
                                                           std::chrono::sys_seconds now);

}  // namespace sy::clearing
