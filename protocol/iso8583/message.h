// One ISO 8583 message as views: the MTI and up to 128 elements, each a string_view into memory
// the message does not own (the input buffer after unpack, the caller's values before pack).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/assert.h"
#include "protocol/iso8583/field.h"

namespace sy::protocol::iso8583 {

// What a view holds depends on who filled it:
//  - before pack, the caller's value: digits for n, text for an/ans, raw bytes for b;
//  - after unpack, the element's wire bytes (without the length prefix). Where the value and the
//    wire bytes are the same (ASCII characters, binary bytes: everything in the shipped specs)
//    the view is the value; for BCD, EBCDIC and hex-encoded b elements use field_value() (codec.h)
//    to decode into a caller buffer. length() is always the value's length (digits, characters,
//    bytes), which for an odd BCD element is not the view's size.
// Field 1 (the secondary bitmap) is never a value: pack derives it, unpack consumes it.
class message {
 public:
  // The MTI as 4 characters; pack checks they are digits.
  std::string_view mti() const noexcept { return {mti_.data(), mti_size_}; }
  // Keeps at most 4 characters; pack rejects anything but exactly 4 digits, so callers with
  // outside input check the length first (from_json does).
  void set_mti(std::string_view mti) noexcept {
    mti_size_ = static_cast<std::uint8_t>(mti.size() < mti_.size() ? mti.size() : mti_.size());
    for (std::size_t i = 0; i < mti_size_; ++i) mti_[i] = mti[i];
  }

  bool has(std::size_t field) const noexcept {
    SY_ASSERT(field >= 1 && field <= field_count);
    return (present_[(field - 1) / 64] >> ((field - 1) % 64)) & 1U;
  }
  // An absent field reads as an empty view of length 0.
  std::string_view get(std::size_t field) const noexcept {
    SY_ASSERT(field >= 2 && field <= field_count);
    return has(field) ? values_[field] : std::string_view{};
  }
  std::size_t length(std::size_t field) const noexcept {
    SY_ASSERT(field >= 2 && field <= field_count);
    return has(field) ? lengths_[field] : 0;
  }

  // Sets a value (field 2-128); its length is value.size(). The message keeps only the view.
  void set(std::size_t field, std::string_view value) noexcept { set(field, value, value.size()); }
  // A temporary std::string would leave the view dangling.
  template <class S>
  requires std::same_as<S, std::string>
  void set(std::size_t field, S&& value) = delete;
  // Sets a view whose value length differs from its size (unpack of BCD elements).
  void set(std::size_t field, std::string_view view, std::size_t value_length) noexcept {
    SY_ASSERT(field >= 2 && field <= field_count);
    values_[field] = view;
    lengths_[field] = static_cast<std::uint16_t>(value_length);
    present_[(field - 1) / 64] |= std::uint64_t{1} << ((field - 1) % 64);
  }
  void erase(std::size_t field) noexcept {
    SY_ASSERT(field >= 2 && field <= field_count);
    values_[field] = {};
    lengths_[field] = 0;
    present_[(field - 1) / 64] &= ~(std::uint64_t{1} << ((field - 1) % 64));
  }
  // Removes the MTI and every element, so one message object can be reused without reallocation.
  void clear() noexcept {
    mti_size_ = 0;
    present_ = {};
  }

  // Presence bits: word 0 holds fields 1-64 (bit 0 is field 1), word 1 fields 65-128.
  const std::array<std::uint64_t, 2>& presence() const noexcept { return present_; }

 private:
  std::array<std::uint64_t, 2> present_{};
  std::array<char, 4> mti_{};
  std::uint8_t mti_size_ = 0;
  std::array<std::uint16_t, field_count + 1> lengths_{};
  std::array<std::string_view, field_count + 1> values_{};
};

}  // namespace sy::protocol::iso8583
