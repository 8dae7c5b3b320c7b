// The simulated bank's message handling without sockets: one request frame in, the framed answer
// (or the fault injected instead) out, with the rules deciding and the ledger recording.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "protocol/iso8583/message.h"
#include "routing/sim/bank_config.h"
#include "routing/sim/bank_faults.h"
#include "routing/sim/bank_ledger.h"
#include "routing/sim/bank_rules.h"

namespace sy::routing::sim {

// Counters of everything the bank did, for logs and tests.
struct bank_stats {
  std::uint64_t requests = 0;             // frames that unpacked as requests the bank answers
  std::uint64_t network = 0;              // 0800s answered
  std::uint64_t approved = 0;             // financial requests answered 00 (reversals included)
  std::uint64_t declined = 0;             // financial requests answered with another code
  std::uint64_t timeouts = 0;             // answers withheld (timeout fault)
  std::uint64_t disconnects = 0;          // connections closed instead of answering
  std::uint64_t malformed_sent = 0;       // garbage frames sent instead of answers
  std::uint64_t unreadable = 0;           // frames that are not ISO 8583:1987 messages
  std::uint64_t ignored = 0;              // readable messages the bank does not answer (0810...)
  std::uint64_t reversals_unmatched = 0;  // reversals of nothing the bank approved
  std::uint64_t ledger_full = 0;          // approvals refused with 96: the ledger is at its cap
  std::uint64_t mac_failures = 0;  // requests left unanswered: MAC missing or wrong (mac.key set)
};

struct bank_answer {
  enum class action : std::uint8_t {
    respond,     // send out[0, size) after `delay`
    malformed,   // send out[0, size), a garbage frame, after `delay`
    none,        // send nothing (timeout fault, or a message the bank does not answer)
    disconnect,  // close the connection
  };
  action what = action::none;
  std::size_t size = 0;
  std::chrono::microseconds delay{0};
  // For action::none on a frame that could not be read: why, for one warning log (no data).
  std::string_view problem;
  bool mac_failure = false;  // the problem is the request's MAC: warned of apart from the others
};

class bank_responder {
 public:
  // `ledger_record_count_max` below the limit lets tests fill the ledger.
  explicit bank_responder(const bank_config& config, std::size_t ledger_record_count_max =
                                                         limits::sim_ledger_record_count_max);

  // Answers one request frame's payload (without its length prefix) into `out`, which holds at
  // least answer_buffer_size() bytes; the answer is framed, and MACed when the config has a MAC
  // key. Never fails: a frame that is not a message, a message the bank does not answer, or (with
  // a MAC key) a request whose MAC is missing or wrong gives action::none with a counter bumped.
  bank_answer answer(std::string_view payload, std::span<char> out) noexcept;

  // Bytes `out` must hold: the prefix plus the largest frame.
  std::size_t answer_buffer_size() const noexcept;

  const bank_config& config() const noexcept { return config_; }
  const bank_stats& stats() const noexcept { return stats_; }
  const bank_ledger& ledger() const noexcept { return ledger_; }
  bank_ledger& ledger() noexcept { return ledger_; }

 private:
  using message = protocol::iso8583::message;
  // DE 39 for a financial request, recording approvals and reversals in the ledger.
  std::string_view decide(const message& request) noexcept;
  std::string_view record_approval(const message& request) noexcept;
  bank_answer respond(const message& request, std::string_view code, std::span<char> out) noexcept;
  bank_answer frame(message& response, std::span<char> out) noexcept;
  bool mac_verifies(std::string_view payload, const message& request) const noexcept;
  bool signing() const noexcept { return !config_.mac.key_bytes.empty(); }
  std::string business_date() const;

  bank_config config_;
  bank_rules rules_;
  bank_faults faults_;
  bank_ledger ledger_;
  bank_stats stats_;
  std::uint32_t authorization_counter_ = 0;
  std::array<char, 6> authorization_code_{};  // the current answer's DE 38
};

}  // namespace sy::routing::sim
