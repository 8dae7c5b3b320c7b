// A merchant's fee for one settled event (specs/clearing-files.md, merchant settlement
// statement): basis points plus a fixed amount, per card brand or channel, in minor units with
// round-half-even; the refund policy says what a refund's fee is.
#pragma once

#include <cstdint>
#include <string_view>

#include "config/config.h"

namespace sy::clearing {

// The rate that applies: the first override naming `brand` or `channel`, else the base.
const config::fee_rate& rate_for(const config::fee_schedule& fees, std::string_view brand,
                                 std::string_view channel) noexcept;

// round_half_even(amount * basis_points / 10000) for amount >= 0; exact over the whole int64 range
// (the product is taken in 128 bits).
std::int64_t percentage_fee(std::int64_t amount, std::int64_t basis_points) noexcept;

// The fee of a sale or capture of `amount` (> 0): what the merchant pays.
std::int64_t payment_fee(const config::fee_rate& rate, std::int64_t amount) noexcept;

// The fee of a refund of `amount` (> 0, the refunded part of `settled`, the payment's captured
// amount), signed as the statement shows it: keep: 0; charge: as a payment of `amount`; refund:
// minus the payment's fee in proportion, round_half_even(payment_fee(settled) * amount / settled).
std::int64_t refund_fee(const config::fee_schedule& fees, const config::fee_rate& rate,
                        std::int64_t amount, std::int64_t settled) noexcept;

}  // namespace sy::clearing
