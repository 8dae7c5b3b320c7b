// The simulated bank's settlement file for a business date (specs/clearing-files.md, channel
// settlement file, default mapping): CSV per RFC 4180, optionally with injected discrepancies;
// clearing::write_file_atomically writes it with its .sha256 companion.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "routing/sim/bank_config.h"
#include "routing/sim/bank_ledger.h"

namespace sy::routing::sim {

// The default mapping's columns, in order: the header row of every file.
inline constexpr std::string_view settlement_header =
    "rrn,stan,event_type,amount,currency,authorization_code,business_date";

// `bank_<channel>_<YYYYMMDD>.csv` for a business date given as YYYY-MM-DD.
std::string settlement_file_name(std::string_view channel, std::string_view business_date);

// The file's text: the header, then one row per settled record of the date in approval order,
// `\n` line ends. Discrepancies, chosen by a generator seeded with `seed` (the same seed and
// ledger give the same bytes): `missing` rows left out, `wrong_amount` rows one minor unit
// higher, `duplicate` rows listed twice (the copy right after the row), `extra` made-up rows
// (RRN `X` + 11 digits) at the end. Counts above the rows available stop at what there is.
std::string settlement_csv(const bank_ledger& ledger, std::string_view business_date,
                           const discrepancy_settings& discrepancies, std::uint64_t seed);

}  // namespace sy::routing::sim
