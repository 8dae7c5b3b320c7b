// A byte buffer for key material and clear PINs: wiped with OPENSSL_cleanse whenever its bytes
// are released (destruction, assignment, clear), so no secret outlives its use in freed memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sy::hsm {

class secure_bytes {
 public:
  secure_bytes() = default;
  explicit secure_bytes(std::size_t size) : bytes_(size) {}
  explicit secure_bytes(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  secure_bytes(const secure_bytes& other) : bytes_(other.bytes_) {}
  secure_bytes(secure_bytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  secure_bytes& operator=(const secure_bytes& other);
  secure_bytes& operator=(secure_bytes&& other) noexcept;
  ~secure_bytes() { wipe(); }

  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::span<const std::uint8_t> view() const noexcept { return bytes_; }
  std::span<std::uint8_t> span() noexcept { return bytes_; }
  std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  // Shrinks without reallocating, wiping the bytes cut off.
  void truncate(std::size_t size) noexcept;
  void clear() noexcept { wipe(); }

 private:
  void wipe() noexcept;
  std::vector<std::uint8_t> bytes_;
};

// Wipes any buffer (OPENSSL_cleanse: the compiler cannot remove it as a dead store).
void wipe(std::span<std::uint8_t> bytes) noexcept;

}  // namespace sy::hsm
