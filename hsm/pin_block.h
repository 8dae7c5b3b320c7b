// ISO 9564-1 PIN blocks: format 0 (8 bytes, 3DES) and format 4 (16 bytes, AES or SM4), built and
// opened around a block cipher the caller supplies, so both backends share one implementation.
// The clear PIN lives in a `clear_pin`, which wipes itself.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "config/result.h"

namespace sy::hsm {

enum class pin_format : std::uint8_t {
  iso0 = 0,  // ISO 9564-1 format 0 (ANSI X9.8): PIN field XOR PAN field, one encryption
  iso4 = 4,  // ISO 9564-1 format 4: AES, PIN field and PAN field chained through two encryptions
};

// The PIN block size of a format: 8 for format 0, 16 for format 4.
std::size_t pin_block_size(pin_format f) noexcept;

// An enciphered PIN block as it travels (DE 52 carries 8 bytes; format 4 blocks are 16).
struct pin_block {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t size = 8;
  std::span<const std::uint8_t> view() const noexcept { return std::span(bytes).first(size); }
};

// A PIN's digits (4 to 12), wiped when it goes out of scope.
class clear_pin {
 public:
  clear_pin() = default;
  clear_pin(const clear_pin&) = delete;
  clear_pin& operator=(const clear_pin&) = delete;
  ~clear_pin();
  // Errors: bad_input (not 4 to 12 decimal digits).
  error_code assign(std::string_view digits) noexcept;
  std::string_view digits() const noexcept { return {digits_.data(), size_}; }

 private:
  friend class pin_codec;
  std::array<char, 12> digits_{};
  std::size_t size_ = 0;
};

// Encrypts (`encrypt` true) or decrypts one block of the cipher's size, in place of a key: the
// soft backend passes OpenSSL under a clear key, the PKCS#11 backend a call into the token.
using block_cipher = std::function<error_code(bool encrypt, std::span<const std::uint8_t> in,
                                              std::span<std::uint8_t> out)>;

class pin_codec {
 public:
  // The PIN block of `pin` for `pan` (12 to 19 digits). Errors: bad_input (PAN), the cipher's.
  static result<pin_block> encipher(pin_format f, const block_cipher& cipher, const clear_pin& pin,
                                    std::string_view pan);
  // The PIN inside `block`. Errors: bad_input (PAN, size, or a block that does not decode to a
  // well-formed PIN field of the format: wrong key, wrong PAN or a damaged block), the cipher's.
  static error_code decipher(pin_format f, const block_cipher& cipher, const pin_block& block,
                             std::string_view pan, clear_pin& pin);
};

}  // namespace sy::hsm
