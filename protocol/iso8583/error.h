// ISO 8583 codec errors: the kinds (errc, wired into boost::system::error_code and so into
// std::error_code) and codec_error, which says where (field, byte offset) and what was wrong.
#pragma once

#include <array>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace sy::protocol::iso8583 {

enum class errc : std::uint8_t {
  truncated = 1,     // the input ends inside the MTI, a bitmap, a length or an element
  bad_mti,           // the MTI is not 4 digits
  bad_bitmap,        // a hex bitmap has a non-hex character
  undefined_field,   // a bit is set (or a value given) for a field the spec does not define
  bad_length,        // a length prefix is not decimal digits
  length_above_max,  // a length prefix or a value is longer than the field allows
  length_mismatch,   // a fixed b, z or xn value is not exactly the field's length
  non_numeric,       // an n element (or a BCD nibble) is not a digit
  bad_character,     // a byte not allowed by the element's content kind (an, ans, z, xn)
  bad_padding,       // a BCD pad nibble is not the one the encoding prescribes
  bad_hex,           // a b element in a character encoding is not hex
  trailing_bytes,    // bytes remain after the last element the bitmap announces
  buffer_too_small,  // the caller's output (or decode) buffer cannot hold the result
  frame_empty,       // a length prefix of zero
  frame_too_large,   // a length prefix (or payload) above the channel's maximum frame
  bad_frame_prefix,  // a 4-digit ASCII prefix with a non-digit
  bad_json,          // the JSON form is malformed (not an object, a value not a string...)
};

const boost::system::error_category& iso8583_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;
// A short name for the kind, e.g. "truncated".
std::string_view to_string(errc e) noexcept;

// Field numbers in codec_error: 0 is the MTI, 1 the bitmaps, 2-128 data elements; framing and
// whole-message errors use no_field.
inline constexpr std::uint8_t no_field = 0xFF;

// A precise error without allocation. `expected` is a static description; `found` is a short
// rendering of what was there ("byte 0x41", "length 25", "end of input"), never element data,
// so it cannot leak a PAN or a PIN block.
class codec_error {
 public:
  codec_error() = default;
  codec_error(errc code, std::uint8_t field, std::size_t offset, const char* expected) noexcept;

  // What was found, rendered into the error's own storage.
  codec_error& found_byte(unsigned char byte) noexcept;
  codec_error& found_length(std::size_t length) noexcept;
  // "length 13, max 12"
  codec_error& found_length(std::size_t length, std::size_t max) noexcept;
  codec_error& found_text(std::string_view text) noexcept;

  errc code() const noexcept { return code_; }
  std::uint8_t field() const noexcept { return field_; }
  std::size_t offset() const noexcept { return offset_; }
  std::string_view expected() const noexcept { return expected_; }
  std::string_view found() const noexcept { return {found_.data(), found_size_}; }
  boost::system::error_code error_code() const noexcept { return make_error_code(code_); }

  // "field 4 at offset 22: length_above_max: expected at most 12 digits, found length 13"
  std::string message() const;

 private:
  errc code_ = errc::truncated;
  std::uint8_t field_ = no_field;
  std::uint8_t found_size_ = 0;
  std::size_t offset_ = 0;
  const char* expected_ = "";
  std::array<char, 32> found_{};
};

// For boost::system::result<T, codec_error>::value(): tests and start-up code only; the data
// plane reads results with has_value()/error().
[[noreturn]] void throw_exception_from_error(const codec_error& e,
                                             const boost::source_location& location);

}  // namespace sy::protocol::iso8583

template <>
struct boost::system::is_error_code_enum<sy::protocol::iso8583::errc> : std::true_type {};
