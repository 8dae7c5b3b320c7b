// SHA-256 over data that arrives in pieces (a clearing file as it is written), over OpenSSL's
// EVP digest: no key, so no backend; the digests files carry beside them (sha256sum format).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sy::hsm {

class sha256_stream {
 public:
  using value = std::array<std::uint8_t, 32>;

  // Throws std::bad_alloc when OpenSSL cannot allocate its context.
  sha256_stream();
  ~sha256_stream();
  sha256_stream(sha256_stream&&) noexcept;
  sha256_stream& operator=(sha256_stream&&) noexcept;

  void update(std::string_view bytes) noexcept;
  // The digest of everything updated so far; the stream starts over afterwards.
  value finish() noexcept;

 private:
  struct context_deleter {
    void operator()(void* ctx) const noexcept;
  };
  std::unique_ptr<void, context_deleter> ctx_;
};

// Lower-case hex, as sha256sum prints it.
std::string to_lower_hex(const sha256_stream::value& digest);

// The SHA-256 of `bytes` in lower-case hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace sy::hsm
