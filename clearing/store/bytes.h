// The primitives of the typed record layouts (docs/storage.md): little-endian integers and
// length-prefixed byte strings, appended to a buffer and read back with every bound checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "config/assert.h"

namespace sy::clearing::store {

// Appends fields to a payload. Strings are a u32 length then the bytes; an optional is a u8
// presence flag (0 or 1) then the value when present.
class byte_writer {
 public:
  explicit byte_writer(std::string& out) noexcept : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void i64(std::int64_t v) { le(static_cast<std::uint64_t>(v), 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }

  template <class E>
  requires std::is_enum_v<E>
  void enumerator(E v) { u8(static_cast<std::uint8_t>(v)); }

  void text(std::string_view v) {
    SY_ASSERT(v.size() <= UINT32_MAX);  // payloads are bounded far below (limits.h)
    u32(static_cast<std::uint32_t>(v.size()));
    out_.append(v);
  }

  void optional_text(const std::optional<std::string>& v) {
    boolean(v.has_value());
    if (v) text(*v);
  }

 private:
  void le(std::uint64_t v, int size) {
    for (int i = 0; i < size; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }

  std::string& out_;
};

// Reads fields back. The first read past the end, or of a value outside its type (a flag that is
// neither 0 nor 1, an enumerator above `last`), marks the reader failed; later reads return zero
// values. A decoder reads every field, then calls done(): true only when nothing failed and every
// byte was consumed. Payloads come from disk, so nothing here asserts on them.
class byte_reader {
 public:
  explicit byte_reader(std::string_view in) noexcept : in_(in) {}

  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() noexcept { return le(8); }
  std::int64_t i64() noexcept { return static_cast<std::int64_t>(le(8)); }

  bool boolean() noexcept {
    const std::uint8_t v = u8();
    if (v > 1) failed_ = true;
    return v == 1;
  }

  // An enumerator whose values run from 0 to `last`.
  template <class E>
  requires std::is_enum_v<E> E enumerator(E last)
  noexcept {
    const std::uint8_t v = u8();
    if (v > static_cast<std::uint8_t>(last)) {
      failed_ = true;
      return E{};
    }
    return static_cast<E>(v);
  }

  std::string text() {
    std::string v;
    text_into(v);
    return v;
  }

  std::optional<std::string> optional_text() {
    std::optional<std::string> v;
    optional_text_into(v);
    return v;
  }

  // text() into `out`, whose storage is reused: a reader decoding millions of records into the
  // same ones allocates nothing.
  void text_into(std::string& out) {
    const std::uint32_t size = u32();
    if (failed_ || size > in_.size() - pos_) {
      failed_ = true;
      out.clear();
      return;
    }
    out.assign(in_.data() + pos_, size);
    pos_ += size;
  }

  void optional_text_into(std::optional<std::string>& out) {
    if (!boolean()) {
      out.reset();
      return;
    }
    if (!out) out.emplace();
    text_into(*out);
  }

  // Reads an optional value with `read` when the presence flag is set.
  template <class F>
  auto optional(F read) -> std::optional<decltype(read())> {
    if (!boolean()) return std::nullopt;
    return read();
  }

  void fail() noexcept { failed_ = true; }
  bool failed() const noexcept { return failed_; }
  bool done() const noexcept { return !failed_ && pos_ == in_.size(); }

 private:
  std::uint64_t le(int size) noexcept {
    if (failed_ || static_cast<std::size_t>(size) > in_.size() - pos_) {
      failed_ = true;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)]);
    }
    pos_ += static_cast<std::size_t>(size);
    return v;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace sy::clearing::store
