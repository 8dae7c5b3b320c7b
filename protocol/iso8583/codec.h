// The ISO 8583 packager: pack a message into a caller-owned buffer and unpack bytes into views,
// both driven by a message_spec, with no allocation.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "config/result.h"
#include "protocol/iso8583/error.h"
#include "protocol/iso8583/field.h"
#include "protocol/iso8583/message.h"

namespace sy::protocol::iso8583 {

// Writes `msg` as `spec` prescribes into `out`: MTI, primary bitmap, the secondary bitmap when a
// field above 64 is present, then each element in field order (fixed n zero-padded on the left,
// fixed an/ans space-padded on the right). Returns the bytes written. Errors (offset = where the
// element would start in `out`): bad_mti; undefined_field (a field the spec lacks);
// length_above_max; length_mismatch (fixed b/z/xn not exactly its length); non_numeric;
// bad_character; buffer_too_small.
result<std::size_t, codec_error> pack(const message_spec& spec, const message& msg,
                                      std::span<char> out) noexcept;

// Reads one whole message from `in` into `out` (cleared first): the views point into `in`, which
// must outlive them. Every element is checked against its content kind. Errors (offset = byte in
// `in`): truncated, bad_mti, bad_bitmap, undefined_field, bad_length, length_above_max,
// non_numeric, bad_character, bad_padding, bad_hex, trailing_bytes. On error `out` holds the
// elements read before it.
result<void, codec_error> unpack(const message_spec& spec, std::string_view in,
                                 message& out) noexcept;

// The value of an element of an unpacked message. Where the wire bytes are the value (ASCII and
// binary encodings) the view itself; otherwise (BCD, EBCDIC, hex b) decoded into `scratch`, and
// the result views `scratch`. An absent field is an empty value. Errors: buffer_too_small
// (scratch shorter than msg.length(field)); length_mismatch (the view is not wire bytes of
// this spec, e.g. a message built for packing).
result<std::string_view, codec_error> field_value(const message_spec& spec, const message& msg,
                                                  std::size_t field,
                                                  std::span<char> scratch) noexcept;

// Turns an unpacked message into one holding values (ready for pack or display), decoding
// elements that need it into `storage`. Returns the bytes of `storage` used. Errors: those of
// field_value.
result<std::size_t, codec_error> to_values(const message_spec& spec, const message& wire,
                                           message& values, std::span<char> storage) noexcept;

}  // namespace sy::protocol::iso8583
