// The ISO 8583 specs Switchyard ships, as data: ISO 8583:1987 with the ASCII encodings of
// specs/bank-link.md (the bank link's wire format) and ISO 8583:1993 in the same encodings.
#pragma once

#include <string_view>

#include "protocol/iso8583/field.h"

namespace sy::protocol::iso8583 {

// ISO 8583:1987 data element directory; MTI and n/an/ans elements ASCII, bitmaps and b elements
// raw binary, ASCII length prefixes. DE 49 is n3 as the bank link says.
const message_spec& iso87() noexcept;

// ISO 8583:1993 data element directory in the same encodings (DE 12 n12, DE 22 an12, DE 39 n3...).
const message_spec& iso93() noexcept;

// "iso87" or "iso93"; nullptr for any other name.
const message_spec* find_spec(std::string_view name) noexcept;

}  // namespace sy::protocol::iso8583
