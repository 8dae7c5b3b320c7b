// ISO 9564-1 format 0 and format 4 PIN blocks. Every intermediate holding PIN digits is wiped.
#include "hsm/pin_block.h"

#include <openssl/crypto.h>

#include "config/limits.h"
#include "hsm/errc.h"
#include "hsm/primitives.h"

namespace sy::hsm {
namespace {

using block16 = std::array<std::uint8_t, 16>;

// Wipes a block on scope exit.
struct wiped_block {
  block16 b{};
  ~wiped_block() { OPENSSL_cleanse(b.data(), b.size()); }
};

bool all_digits(std::string_view s) noexcept {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool valid_pan(std::string_view pan) noexcept {
  return pan.size() >= limits::pan_digits_min && pan.size() <= limits::pan_digits_max &&
         all_digits(pan);
}

void set_nibble(block16& b, std::size_t index, std::uint8_t value) noexcept {
  auto& byte = b[index / 2];
  byte = index % 2 == 0 ? static_cast<std::uint8_t>((byte & 0x0f) | (value << 4))
                        : static_cast<std::uint8_t>((byte & 0xf0) | (value & 0x0f));
}

std::uint8_t nibble(const block16& b, std::size_t index) noexcept {
  return index % 2 == 0 ? b[index / 2] >> 4 : b[index / 2] & 0x0f;
}

// Format 0 PAN field: four zero nibbles, then the 12 rightmost PAN digits without the check digit.
block16 pan_field0(std::string_view pan) noexcept {
  block16 f{};
  const std::string_view body = pan.substr(0, pan.size() - 1);
  const std::string_view digits = body.substr(body.size() - 12);
  for (std::size_t i = 0; i < 12; ++i) {
    set_nibble(f, 4 + i, static_cast<std::uint8_t>(digits[i] - '0'));
  }
  return f;
}

// Format 4 PAN field: M (PAN length - 12), the PAN, zeros to 32 nibbles.
block16 pan_field4(std::string_view pan) noexcept {
  block16 f{};
  set_nibble(f, 0, static_cast<std::uint8_t>(pan.size() - 12));
  for (std::size_t i = 0; i < pan.size(); ++i) {
    set_nibble(f, 1 + i, static_cast<std::uint8_t>(pan[i] - '0'));
  }
  return f;
}

// The plain PIN field: control, length, digits, fill (F for format 0, A for format 4); format 4
// adds 8 random bytes.
error_code pin_field(pin_format f, const clear_pin& pin, block16& out) {
  const std::string_view digits = pin.digits();
  const std::uint8_t fill = f == pin_format::iso0 ? 0xF : 0xA;
  set_nibble(out, 0, static_cast<std::uint8_t>(f));
  set_nibble(out, 1, static_cast<std::uint8_t>(digits.size()));
  for (std::size_t i = 2; i < 16; ++i) {  // format 4's random half follows
    const bool digit = i - 2 < digits.size();
    set_nibble(out, i, digit ? static_cast<std::uint8_t>(digits[i - 2] - '0') : fill);
  }
  if (f == pin_format::iso4) return primitives::random_bytes(std::span(out).subspan(8, 8));
  return {};
}

// Reads a plain PIN field back; bad_input unless it is well formed for the format.
error_code read_pin_field(pin_format f, const block16& field, char* digits, std::size_t& size) {
  const std::uint8_t fill = f == pin_format::iso0 ? 0xF : 0xA;
  const std::size_t n = nibble(field, 1);
  if (nibble(field, 0) != static_cast<std::uint8_t>(f) || n < limits::pin_digits_min ||
      n > limits::pin_digits_max) {
    return make_error_code(errc::bad_input);
  }
  bool ok = true;
  for (std::size_t i = 2; i < 16; ++i) {
    const std::uint8_t v = nibble(field, i);
    if (i - 2 < n) {
      ok = ok && v <= 9;
      digits[i - 2] = static_cast<char>('0' + (v <= 9 ? v : 0));
    } else {
      ok = ok && v == fill;
    }
  }
  if (!ok) return make_error_code(errc::bad_input);
  size = n;
  return {};
}

void xor_into(block16& a, const block16& b, std::size_t size) noexcept {
  for (std::size_t i = 0; i < size; ++i) a[i] ^= b[i];
}

}  // namespace

std::size_t pin_block_size(pin_format f) noexcept {
  return f == pin_format::iso0 ? 8 : 16;
}

clear_pin::~clear_pin() {
  OPENSSL_cleanse(digits_.data(), digits_.size());
}

error_code clear_pin::assign(std::string_view digits) noexcept {
  if (digits.size() < limits::pin_digits_min || digits.size() > limits::pin_digits_max ||
      !all_digits(digits)) {
    return make_error_code(errc::bad_input);
  }
  std::copy(digits.begin(), digits.end(), digits_.begin());
  size_ = digits.size();
  return {};
}

result<pin_block> pin_codec::encipher(pin_format f, const block_cipher& cipher,
                                      const clear_pin& pin, std::string_view pan) {
  if (!valid_pan(pan) || pin.size_ == 0) return make_error_code(errc::bad_input);
  const std::size_t size = pin_block_size(f);
  wiped_block field;
  if (auto ec = pin_field(f, pin, field.b)) return ec;
  pin_block out;
  out.size = static_cast<std::uint8_t>(size);
  auto out_span = std::span(out.bytes).first(size);
  if (f == pin_format::iso0) {
    xor_into(field.b, pan_field0(pan), size);
    if (auto ec = cipher(true, std::span(field.b).first(size), out_span)) return ec;
    return out;
  }
  // Format 4: A = E(PIN field); B = A XOR PAN field; block = E(B).
  wiped_block intermediate;
  if (auto ec = cipher(true, field.b, intermediate.b)) return ec;
  xor_into(intermediate.b, pan_field4(pan), size);
  if (auto ec = cipher(true, intermediate.b, out_span)) return ec;
  return out;
}

error_code pin_codec::decipher(pin_format f, const block_cipher& cipher, const pin_block& block,
                               std::string_view pan, clear_pin& pin) {
  const std::size_t size = pin_block_size(f);
  if (!valid_pan(pan) || block.size != size) return make_error_code(errc::bad_input);
  wiped_block field;
  if (f == pin_format::iso0) {
    if (auto ec = cipher(false, block.view(), std::span(field.b).first(size))) return ec;
    xor_into(field.b, pan_field0(pan), size);
  } else {
    wiped_block intermediate;
    if (auto ec = cipher(false, block.view(), intermediate.b)) return ec;
    xor_into(intermediate.b, pan_field4(pan), size);
    if (auto ec = cipher(false, intermediate.b, field.b)) return ec;
  }
  return read_pin_field(f, field.b, pin.digits_.data(), pin.size_);
}

}  // namespace sy::hsm
