// The development TAK: the MAC key that the bank simulator's no-file default and the switch's
// embedded default share, so `switchyard run` and `switchyard sim bank` sign on with no set-up.
// Development only: it is published here. A real channel's TAK comes from a key exchange.
#pragma once

#include <string_view>

#include "hsm/key.h"

namespace sy::routing::sim {

// 3DES double length, ISO 9797-1 MAC algorithm 3: what a TAK is unless told otherwise
// (hsm::default_algorithm(key_type::tak)), and what `switchyard keys generate --type tak` makes.
inline constexpr hsm::key_algorithm development_tak_algorithm = hsm::key_algorithm::tdes;
inline constexpr std::string_view development_tak_hex = "D3A5C1F07B2E9846A1C3E5F70B2D4968";
// Its check value, as `switchyard keys list` prints it: how to tell a key store holds it.
inline constexpr std::string_view development_tak_kcv = "86A7BB";

}  // namespace sy::routing::sim
