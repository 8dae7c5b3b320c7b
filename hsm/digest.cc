// SHA-256 streams over OpenSSL 3's EVP digest API.
#include "hsm/digest.h"

#include <openssl/evp.h>

#include <new>

#include "config/assert.h"

namespace sy::hsm {

namespace {

EVP_MD_CTX* as_ctx(void* p) noexcept {
  return static_cast<EVP_MD_CTX*>(p);
}

void restart(EVP_MD_CTX* ctx) noexcept {
  // Only allocation can fail here, and the context is already allocated.
  SY_VERIFY(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1);
}

}  // namespace

void sha256_stream::context_deleter::operator()(void* ctx) const noexcept {
  EVP_MD_CTX_free(as_ctx(ctx));
}

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  restart(as_ctx(ctx_.get()));
}

sha256_stream::~sha256_stream() = default;
sha256_stream::sha256_stream(sha256_stream&&) noexcept = default;
sha256_stream& sha256_stream::operator=(sha256_stream&&) noexcept = default;

void sha256_stream::update(std::string_view bytes) noexcept {
  SY_VERIFY(EVP_DigestUpdate(as_ctx(ctx_.get()), bytes.data(), bytes.size()) == 1);
}

sha256_stream::value sha256_stream::finish() noexcept {
  value out{};
  unsigned int size = 0;
  SY_VERIFY(EVP_DigestFinal_ex(as_ctx(ctx_.get()), out.data(), &size) == 1 && size == out.size());
  restart(as_ctx(ctx_.get()));
  return out;
}

std::string to_lower_hex(const sha256_stream::value& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t b : digest) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  sha256_stream s;
  s.update(bytes);
  return to_lower_hex(s.finish());
}

}  // namespace sy::hsm
