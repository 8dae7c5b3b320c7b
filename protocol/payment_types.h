// The states and outcomes the merchant API reports: payment status, refund status and decline
// codes, with their API names and the ISO 8583 DE 39 response codes that map onto declines.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sy::protocol {

enum class payment_status : std::uint8_t {
  pending,             // sent to the bank, answer not yet final
  authorized,          // approved, not captured (capture: false)
  captured,            // approved and captured, in whole or part
  declined,            // the issuer or the switch's risk checks said no
  voided,              // authorization released before capture
  partially_refunded,  // some of the captured amount refunded
  refunded,            // all of the captured amount refunded
  failed,              // no answer could be had (bank unreachable, reversed)
};

enum class refund_status : std::uint8_t { pending, succeeded, failed };

// Why a payment was declined or failed: an outcome, not an error (DESIGN.md, "Errors").
enum class decline : std::uint8_t {
  do_not_honor,             // DE 39 05, and any issuer code without a better name
  invalid_card_number,      // DE 39 14
  insufficient_funds,       // DE 39 51
  expired_card,             // DE 39 54: expiry is judged here, never at parse time
  amount_limit_exceeded,    // DE 39 61: the issuer's per-card amount limit
  card_blocked,             // DE 39 41, 43, 62: lost, stolen or restricted card
  issuer_unavailable,       // DE 39 91
  system_malfunction,       // DE 39 96
  risk_limit_exceeded,      // the switch's own per-merchant amount limit (no DE 39)
  velocity_limit_exceeded,  // the switch's own per-merchant count/rate limit (no DE 39)
  merchant_frozen,          // the merchant is frozen in the switch's configuration (no DE 39)
};

std::string_view to_string(payment_status status) noexcept;
std::string_view to_string(refund_status status) noexcept;
std::string_view to_string(decline code) noexcept;

// Inverses of to_string; nullopt for any other text.
std::optional<payment_status> payment_status_from_string(std::string_view name) noexcept;
std::optional<refund_status> refund_status_from_string(std::string_view name) noexcept;
std::optional<decline> decline_from_string(std::string_view name) noexcept;

// The decline a non-approving DE 39 response code stands for. "00" is no decline (nullopt);
// every other code, known or not, is a decline (do_not_honor when it has no better name).
std::optional<decline> decline_from_response_code(std::string_view de39) noexcept;

// The DE 39 code a bank (or the bank simulator) answers for this decline; nullopt for the
// switch's own declines, which never reach a bank.
std::optional<std::string_view> response_code_of(decline code) noexcept;

}  // namespace sy::protocol
