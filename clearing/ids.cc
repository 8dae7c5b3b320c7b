// Object ids: the Crockford base32 text form, parsing ids from outside, and the monotonic
// generator over the kernel's CSPRNG.
#include "clearing/ids.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "config/assert.h"
#include "config/limits.h"

namespace sy::clearing {
namespace {

constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t prefix_size_max = 4;
static_assert(prefix_size_max + id_body_size <= limits::object_id_size_max);
static_assert(id_body_size * 5 >= 128 && (id_body_size - 1) * 5 < 128);

constexpr std::int64_t ms_max = (std::int64_t{1} << 48) - 1;
constexpr std::uint8_t invalid_digit = 0xff;

constexpr std::array<std::uint8_t, 256> make_digit_values() {
  std::array<std::uint8_t, 256> values{};
  values.fill(invalid_digit);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    values[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return values;
}

constexpr auto digit_values = make_digit_values();

// 16 bytes as 26 digits: the 128 bits, preceded by two zero bits, read five at a time.
void append_base32(std::string& out, const std::array<std::uint8_t, 16>& bytes) {
  for (std::size_t digit = 0; digit < id_body_size; ++digit) {
    unsigned value = 0;
    for (std::size_t k = 0; k < 5; ++k) {
      const std::size_t bit = digit * 5 + k;  // position in the 130-bit string
      if (bit < 2) continue;                  // the two leading zero bits
      const std::size_t b = bit - 2;
      value = (value << 1) | ((bytes[b / 8] >> (7 - b % 8)) & 1u);
    }
    out += alphabet[value];
  }
}

std::array<std::uint8_t, 16> pack(std::int64_t ms, std::uint16_t high, std::uint64_t low) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 6; ++i) {
    bytes[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(ms) >> (8 * (5 - i)));
  }
  bytes[6] = static_cast<std::uint8_t>(high >> 8);
  bytes[7] = static_cast<std::uint8_t>(high);
  for (std::size_t i = 0; i < 8; ++i)
    bytes[8 + i] = static_cast<std::uint8_t>(low >> (8 * (7 - i)));
  return bytes;
}

std::uint64_t load_u64(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

std::string_view prefix_of(id_kind kind) noexcept {
  switch (kind) {
    case id_kind::payment:
      return "pay_";
    case id_kind::refund:
      return "re_";
    case id_kind::event:
      return "ev_";
  }
  return {};
}

std::string_view to_string(id_error e) noexcept {
  switch (e) {
    case id_error::wrong_prefix:
      return "wrong_prefix";
    case id_error::wrong_length:
      return "wrong_length";
    case id_error::invalid_character:
      return "invalid_character";
    case id_error::out_of_range:
      return "out_of_range";
    case id_error::random_unavailable:
      return "random_unavailable";
  }
  return {};
}

id_clock_time object_id::time() const noexcept {
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 6; ++i) ms = (ms << 8) | bytes[i];
  return id_clock_time{std::chrono::milliseconds{ms}};
}

std::string to_string(const object_id& id) {
  const std::string_view prefix = prefix_of(id.kind);
  std::string out;
  out.reserve(prefix.size() + id_body_size);
  out += prefix;
  append_base32(out, id.bytes);
  return out;
}

result<object_id, id_error> parse_id(std::string_view text, id_kind expected) noexcept {
  const std::string_view prefix = prefix_of(expected);
  if (!text.starts_with(prefix)) return id_error::wrong_prefix;
  const std::string_view body = text.substr(prefix.size());
  if (body.size() != id_body_size) return id_error::wrong_length;
  // 26 digits of 5 bits hold 130; the first digit's top two bits must be clear, which leaves
  // exactly the 128 bits of the id.
  const std::uint8_t first = digit_values[static_cast<unsigned char>(body[0])];
  if (first == invalid_digit) return id_error::invalid_character;
  if (first > 7) return id_error::out_of_range;
  __extension__ using u128 = unsigned __int128;
  u128 value = first;
  for (const char c : body.substr(1)) {
    const std::uint8_t digit = digit_values[static_cast<unsigned char>(c)];
    if (digit == invalid_digit) return id_error::invalid_character;
    value = (value << 5) | digit;
  }
  object_id id{expected, {}};
  for (int i = 15; i >= 0; --i, value >>= 8) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xff);
  }
  return id;
}

bool system_random(std::span<std::uint8_t> out) noexcept {
  std::size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

result<object_id, id_error> id_generator::next(id_kind kind, id_clock_time now) noexcept {
  // Drawn before taking the lock: the kernel call is the slow part.
  std::array<std::uint8_t, 10> fresh{};
  if (!random_(fresh)) return id_error::random_unavailable;
  const auto fresh_high = static_cast<std::uint16_t>(((fresh[0] << 8) | fresh[1]) & 0x7fff);
  const std::uint64_t fresh_low = load_u64(std::span(fresh).subspan(2));

  const std::int64_t now_ms = now.time_since_epoch().count();
  SY_ASSERT(now_ms >= 0 && now_ms <= ms_max);

  const std::lock_guard lock(mutex_);
  bool fresh_ms = now_ms > last_ms_;
  if (!fresh_ms) {
    // Same millisecond, or the clock stepped back: step the random part up by 1 + 64 random bits.
    const std::uint64_t sum = last_low_ + fresh_low;
    const std::uint64_t low = sum + 1;
    const bool carry = sum < last_low_ || low == 0;  // at most one of the two additions wraps
    if (last_high_ == UINT16_MAX && carry) {
      fresh_ms = true;  // no room left in this millisecond: move on to the next one
    } else {
      last_low_ = low;
      last_high_ = static_cast<std::uint16_t>(last_high_ + (carry ? 1 : 0));
    }
  }
  if (fresh_ms) {
    last_ms_ = std::max(now_ms, last_ms_ + 1);
    SY_VERIFY(last_ms_ <= ms_max);
    last_high_ = fresh_high;
    last_low_ = fresh_low;
  }
  return object_id{kind, pack(last_ms_, last_high_, last_low_)};
}

result<std::string, id_error> id_generator::next_text(id_kind kind, id_clock_time now) {
  const auto id = next(kind, now);
  if (!id) return id.error();
  return to_string(*id);
}

}  // namespace sy::clearing
