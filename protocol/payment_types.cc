// Names of payment and refund states and decline codes, and the DE 39 mapping of declines.
#include "protocol/payment_types.h"

#include <array>

#include "protocol/enum_names.h"

namespace sy::protocol {
namespace {

constexpr std::array<std::string_view, 8> payment_status_names{
    "pending", "authorized",         "captured", "declined",
    "voided",  "partially_refunded", "refunded", "failed",
};

constexpr std::array<std::string_view, 3> refund_status_names{"pending", "succeeded", "failed"};

constexpr std::array<std::string_view, 11> decline_names{
    "do_not_honor",          "invalid_card_number",
    "insufficient_funds",    "expired_card",
    "amount_limit_exceeded", "card_blocked",
    "issuer_unavailable",    "system_malfunction",
    "risk_limit_exceeded",   "velocity_limit_exceeded",
    "merchant_frozen",
};

struct response_code_entry {
  std::string_view de39;
  decline code;
};

// The first entry of a decline is the code response_code_of answers.
constexpr std::array response_codes{
    response_code_entry{"05", decline::do_not_honor},
    response_code_entry{"14", decline::invalid_card_number},
    response_code_entry{"51", decline::insufficient_funds},
    response_code_entry{"54", decline::expired_card},
    response_code_entry{"61", decline::amount_limit_exceeded},
    response_code_entry{"62", decline::card_blocked},
    response_code_entry{"41", decline::card_blocked},
    response_code_entry{"43", decline::card_blocked},
    response_code_entry{"91", decline::issuer_unavailable},
    response_code_entry{"96", decline::system_malfunction},
};

}  // namespace

std::string_view to_string(payment_status status) noexcept {
  return name_of(payment_status_names, status);
}

std::string_view to_string(refund_status status) noexcept {
  return name_of(refund_status_names, status);
}

std::string_view to_string(decline code) noexcept {
  return name_of(decline_names, code);
}

std::optional<payment_status> payment_status_from_string(std::string_view name) noexcept {
  return find_name<payment_status>(payment_status_names, name);
}

std::optional<refund_status> refund_status_from_string(std::string_view name) noexcept {
  return find_name<refund_status>(refund_status_names, name);
}

std::optional<decline> decline_from_string(std::string_view name) noexcept {
  return find_name<decline>(decline_names, name);
}

std::optional<decline> decline_from_response_code(std::string_view de39) noexcept {
  if (de39 == "00") return std::nullopt;
  for (const auto& entry : response_codes) {
    if (entry.de39 == de39) return entry.code;
  }
  return decline::do_not_honor;
}

std::optional<std::string_view> response_code_of(decline code) noexcept {
  for (const auto& entry : response_codes) {
    if (entry.code == code) return entry.de39;
  }
  return std::nullopt;
}

}  // namespace sy::protocol
