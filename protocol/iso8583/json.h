// Reading an ISO 8583 message from its JSON form (the input of `switchyard iso8583 encode`):
// {"mti": "0200", "fields": {"2": "4111111111111111", "52": "0123456789ABCDEF"}}.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "config/result.h"
#include "protocol/iso8583/error.h"
#include "protocol/iso8583/field.h"
#include "protocol/iso8583/message.h"

namespace sy::protocol::iso8583 {

// Fills `out` with the values of `json`: text elements view the JSON strings (so `json` must
// outlive `out`), b elements are given as hex and decoded into `storage` (cleared first, then
// also referenced by `out`). Values are not checked against their kinds here; pack does that.
// Errors: bad_json (not an object, "mti" missing or not 4 characters, "fields" missing or not an
// object, an unknown key, a field number outside 2-128, a value not a string), undefined_field,
// bad_hex.
result<void, codec_error> from_json(const message_spec& spec, const boost::json::value& json,
                                    message& out, std::string& storage);

}  // namespace sy::protocol::iso8583
