// Printable forms of an ISO 8583 message for operators and logs: a text dump (one line per
// element) and a JSON object. Both mask by the spec's sensitivity marks: PAN through mask_pan,
// track data masked, PIN blocks never shown; b elements as hex.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "protocol/iso8583/field.h"
#include "protocol/iso8583/message.h"

namespace sy::protocol::iso8583 {

// The display form of one present element (masked as its sensitivity says). An element that
// cannot be decoded with `spec` (a message unpacked with another spec) shows as "[undecodable]".
std::string display_value(const message_spec& spec, const message& msg, std::size_t field);

// "MTI 0200\n" then one "DE 2 primary account number: 411111******1111\n" line per element.
std::string dump(const message_spec& spec, const message& msg);

// {"mti": "0200", "fields": {"2": "411111******1111", "4": "000000001000", ...}}
boost::json::object to_json(const message_spec& spec, const message& msg);

}  // namespace sy::protocol::iso8583
