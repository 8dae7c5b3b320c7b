// Object ids: payments ("pay_"), refunds ("re_") and events ("ev_"). 48 bits of Unix milliseconds
// then 80 bits from the kernel's CSPRNG, written in Crockford base32, so that text order, byte
// order and creation order agree, and no id can be guessed from another.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "config/result.h"

namespace sy::clearing {

enum class id_kind : std::uint8_t { payment, refund, event };

// "pay_", "re_", "ev_".
std::string_view prefix_of(id_kind kind) noexcept;

// Why an id was refused (parse_id) or could not be made (id_generator).
enum class id_error : std::uint8_t {
  wrong_prefix,        // the text does not start with the expected kind's prefix
  wrong_length,        // the part after the prefix is not exactly id_body_size characters
  invalid_character,   // a character outside upper-case Crockford base32 (0-9, A-Z without ILOU)
  out_of_range,        // 26 base32 digits hold 130 bits; an id's first digit is at most '7'
  random_unavailable,  // the kernel's random source failed: no unguessable id can be made
};

std::string_view to_string(id_error e) noexcept;

// The characters after the prefix: 128 bits in 5-bit digits.
inline constexpr std::size_t id_body_size = 26;

using id_clock_time = std::chrono::sys_time<std::chrono::milliseconds>;

// An id without its text: the kind and 16 bytes, big-endian milliseconds first, so comparing the
// bytes (an LMDB key, memcmp) orders ids of one kind by creation time.
struct object_id {
  id_kind kind = id_kind::payment;
  std::array<std::uint8_t, 16> bytes{};

  // The millisecond the id was made in (its first 48 bits).
  id_clock_time time() const noexcept;

  friend auto operator<=>(const object_id&, const object_id&) = default;
};

// "pay_01JD6Y0Z7QW4K3V9N2B8C5XGTR": the prefix and 26 base32 digits.
std::string to_string(const object_id& id);

// Reads an id that came from outside (a URL path, a request, a file) and must be of `expected`
// kind. Only the canonical spelling is accepted (upper case, no hyphens), so an id has exactly one
// text form and lookups by text are exact. Never asserts on the input.
// Errors: wrong_prefix, wrong_length, invalid_character, out_of_range.
result<object_id, id_error> parse_id(std::string_view text, id_kind expected) noexcept;

// Fills the buffer with cryptographically secure random bytes; false when it cannot.
using random_source = bool (*)(std::span<std::uint8_t> out) noexcept;

// The kernel's CSPRNG (getrandom(2)): the default source.
bool system_random(std::span<std::uint8_t> out) noexcept;

// Makes ids that increase strictly in the order they are made, across threads, even within one
// millisecond or when the clock steps back. One per process (the composition root owns it), so
// every id the process makes is ordered. Thread-safe; the lock is held for a few comparisons only.
//
// Within one millisecond the next id adds 1 + 64 fresh random bits to the previous random part,
// so successors stay unguessable (64 bits) and still sort after it. A fresh millisecond draws 79
// random bits (top bit clear), leaving room for at least 2^15 ids in that millisecond; if the
// random part would overflow, the id moves on to the next millisecond instead.
class id_generator {
 public:
  explicit id_generator(random_source random = system_random) noexcept : random_(random) {}

  id_generator(const id_generator&) = delete;
  id_generator& operator=(const id_generator&) = delete;

  // An id of `kind` stamped with `now` (or later, to stay after every id made before).
  // Error: random_unavailable (the random source failed; nothing is consumed).
  result<object_id, id_error> next(id_kind kind, id_clock_time now) noexcept;

  // next(kind, now) as text.
  // Error: random_unavailable.
  result<std::string, id_error> next_text(id_kind kind, id_clock_time now);

 private:
  random_source random_;
  std::mutex mutex_;
  std::int64_t last_ms_ = -1;    // no id made yet
  std::uint16_t last_high_ = 0;  // random bits 79..64
  std::uint64_t last_low_ = 0;   // random bits 63..0
};

}  // namespace sy::clearing
