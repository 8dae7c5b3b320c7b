// The iso8583 error category and codec_error's rendering.
#include "protocol/iso8583/error.h"

#include <algorithm>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <charconv>

namespace sy::protocol::iso8583 {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design (categories
// are never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "iso8583"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<errc>(value)));
  }
};
#pragma GCC diagnostic pop

// Builds a short rendering, keeping what fits.
class bounded_text {
 public:
  void append(std::string_view text) {
    const std::size_t n = std::min(text.size(), buffer_.size() - size_);
    std::copy_n(text.begin(), n, buffer_.begin() + size_);
    size_ += n;
  }
  void append(std::size_t number) {
    const auto [end, ec] =
        std::to_chars(buffer_.data() + size_, buffer_.data() + buffer_.size(), number);
    if (ec == std::errc{}) size_ = static_cast<std::size_t>(end - buffer_.data());
  }
  std::string_view view() const { return {buffer_.data(), size_}; }

 private:
  std::array<char, 64> buffer_{};
  std::size_t size_ = 0;
};

}  // namespace

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::truncated:
      return "truncated";
    case errc::bad_mti:
      return "bad_mti";
    case errc::bad_bitmap:
      return "bad_bitmap";
    case errc::undefined_field:
      return "undefined_field";
    case errc::bad_length:
      return "bad_length";
    case errc::length_above_max:
      return "length_above_max";
    case errc::length_mismatch:
      return "length_mismatch";
    case errc::non_numeric:
      return "non_numeric";
    case errc::bad_character:
      return "bad_character";
    case errc::bad_padding:
      return "bad_padding";
    case errc::bad_hex:
      return "bad_hex";
    case errc::trailing_bytes:
      return "trailing_bytes";
    case errc::buffer_too_small:
      return "buffer_too_small";
    case errc::frame_empty:
      return "frame_empty";
    case errc::frame_too_large:
      return "frame_too_large";
    case errc::bad_frame_prefix:
      return "bad_frame_prefix";
    case errc::bad_json:
      return "bad_json";
  }
  return "unknown iso8583 error";
}

const boost::system::error_category& iso8583_category() noexcept {
  static const category instance;
  return instance;
}

boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), iso8583_category()};
}

codec_error::codec_error(errc code, std::uint8_t field, std::size_t offset,
                         const char* expected) noexcept
    : code_(code), field_(field), offset_(offset), expected_(expected) {}

codec_error& codec_error::found_text(std::string_view text) noexcept {
  const std::size_t n = std::min(text.size(), found_.size());
  std::copy_n(text.begin(), n, found_.begin());
  found_size_ = static_cast<std::uint8_t>(n);
  return *this;
}

codec_error& codec_error::found_byte(unsigned char byte) noexcept {
  constexpr char hex[] = "0123456789ABCDEF";
  const char text[] = {'b', 'y', 't', 'e', ' ', '0', 'x', hex[byte >> 4], hex[byte & 0xF]};
  return found_text({text, sizeof text});
}

codec_error& codec_error::found_length(std::size_t length) noexcept {
  bounded_text text;
  text.append("length ");
  text.append(length);
  return found_text(text.view());
}

codec_error& codec_error::found_length(std::size_t length, std::size_t max) noexcept {
  bounded_text text;
  text.append("length ");
  text.append(length);
  text.append(", max ");
  text.append(max);
  return found_text(text.view());
}

std::string codec_error::message() const {
  std::string out;
  if (field_ == 0) {
    out = "MTI";
  } else if (field_ == 1) {
    out = "bitmap";
  } else if (field_ != no_field) {
    out = "field " + std::to_string(field_);
  } else {
    out = "message";
  }
  out += " at offset " + std::to_string(offset_) + ": " + std::string(to_string(code_)) +
         ": expected " + expected_;
  if (found_size_ != 0) out += ", found " + std::string(found());
  return out;
}

void throw_exception_from_error(const codec_error& e, const boost::source_location& location) {
  boost::throw_exception(boost::system::system_error(e.error_code(), e.message()), location);
}

}  // namespace sy::protocol::iso8583
