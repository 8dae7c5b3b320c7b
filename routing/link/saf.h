// Store-and-forward of reversals: which reversal to send when (0400 first, then 0420 repeats with
// exponential backoff and jitter until a 0410/0430 arrives), and the units that keep the saf table
// in step. Pure decisions; the connection's I/O loop sends and commits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/book.h"
#include "clearing/layout.h"
#include "clearing/store/writer.h"
#include "config/limits.h"
#include "routing/link/messages.h"

namespace sy::routing::link {

struct reversal_policy {
  std::chrono::milliseconds base{limits::reversal_retry_base_ms};
  std::chrono::milliseconds max{limits::reversal_retry_max_ms};
};

// The wait after `attempts` reversals were sent (attempts >= 1): routing::backoff_delay.
std::chrono::milliseconds retry_delay(std::uint32_t attempts, const reversal_policy& policy,
                                      std::uint64_t random) noexcept;

// The reversal of a stored request: 0400 for its first attempt, 0420 after. A void's own 0400
// went out when it was sent, so its reversals are 0420 from the first; their DE 90 must name the
// authorization, which the caller takes from the payment (void_request, with repeat set).
// `card` is the PAN the HSM decrypted from request.pan_ciphertext.
reversal_request reversal_of(const clearing::layout::channel_request& request, card_data card);

struct saf_counters {
  std::uint64_t attempts = 0;                  // reversal attempts committed (about to be sent)
  std::uint64_t acknowledged = 0;              // first 0410/0430 for a queued reversal
  std::uint64_t acknowledgements_ignored = 0;  // for nothing queued, or already acknowledged
};

// The reversals due on one channel, in memory, mirroring the store's reversal_due records. Not
// thread-safe: one per channel, owned by its store-and-forward loop.
//  - An attempt is committed (attempts + 1, next time) before it is sent, so after a restart the
//    next one is a 0420: a 0400 never goes out twice.
//  - An acknowledged reversal is never offered again, even before its erasure commits.
class saf_queue {
 public:
  // `random` draws the jitter (injected so tests are deterministic).
  saf_queue(reversal_policy policy, std::function<std::uint64_t()> random);

  // Queues reversals the store holds as due (book::reversals_due at start-up, and each request a
  // timeout re-marked reversal_due, once that commit is durable). A key already queued is kept.
  void add(clearing::open_request due);

  struct attempt {
    std::string key;                            // the saf table key
    clearing::layout::channel_request request;  // as the unit leaves it
    bool repeat = false;                        // 0420 rather than 0400
    clearing::store::unit_of_work unit;         // commit before sending
  };
  // The reversal due soonest at `now`, if any, with the unit recording its attempt; it is held
  // back until attempt_committed.
  std::optional<attempt> next_attempt(clearing::event_time now);
  // The attempt's commit outcome. Success: send the reversal now. Failure: it stays due, as stored.
  void attempt_committed(std::string_view key, const clearing::store::commit_outcome& outcome);

  // A 0410/0430 answered the reversal of `key`: the unit that erases it from the store, or
  // nullopt when nothing is queued under the key or it was already acknowledged (counted).
  std::optional<clearing::store::unit_of_work> acknowledge(std::string_view key);
  // The erasure's commit outcome. Failure: acknowledge_retry gives the unit again.
  void acknowledgement_committed(std::string_view key,
                                 const clearing::store::commit_outcome& outcome);
  // Erasures still to commit after a failure, for the loop to resubmit (each once, until its
  // acknowledgement_committed).
  std::vector<std::pair<std::string, clearing::store::unit_of_work>> acknowledge_retry();

  std::size_t size() const noexcept { return entries_.size(); }
  const saf_counters& counters() const noexcept { return counters_; }

 private:
  struct entry {
    clearing::open_request stored;                          // as durable
    std::optional<clearing::layout::channel_request> next;  // the attempt whose commit is pending
    bool acknowledged = false;
    bool erasing = false;  // the erasure is submitted
  };
  entry* find(std::string_view key) noexcept;

  reversal_policy policy_;
  std::function<std::uint64_t()> random_;
  std::vector<entry> entries_;
  saf_counters counters_;
};

}  // namespace sy::routing::link
