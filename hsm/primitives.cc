// OpenSSL 3 EVP implementations of the primitives. Algorithms are fetched once per process
// (explicit fetches are what makes EVP fast in OpenSSL 3); contexts are per call, but for HMAC's,
// kept per thread.
#include "hsm/primitives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>

#include "hsm/errc.h"

namespace sy::hsm {
namespace {

struct mac_ctx_free {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};
struct cipher_ctx_free {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using mac_ctx = std::unique_ptr<EVP_MAC_CTX, mac_ctx_free>;
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free>;

// Every algorithm the module uses, fetched from the default provider once. A null entry is an
// algorithm this OpenSSL does not provide (reported as unsupported_algorithm).
struct fetched {
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC* cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  // Single DES lives in OpenSSL 3's legacy provider; EDE with K || K is single DES under K.
  EVP_CIPHER* des_ede_ecb = EVP_CIPHER_fetch(nullptr, "DES-EDE-ECB", nullptr);
  EVP_CIPHER* des_ede3_ecb = EVP_CIPHER_fetch(nullptr, "DES-EDE3-ECB", nullptr);
  EVP_CIPHER* des_ede_cbc = EVP_CIPHER_fetch(nullptr, "DES-EDE-CBC", nullptr);
  EVP_CIPHER* aes_ecb[3] = {EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr),
                            EVP_CIPHER_fetch(nullptr, "AES-192-ECB", nullptr),
                            EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr)};
  EVP_CIPHER* aes_wrap[3] = {EVP_CIPHER_fetch(nullptr, "AES-128-WRAP", nullptr),
                             EVP_CIPHER_fetch(nullptr, "AES-192-WRAP", nullptr),
                             EVP_CIPHER_fetch(nullptr, "AES-256-WRAP", nullptr)};
  EVP_CIPHER* sm4_ecb = EVP_CIPHER_fetch(nullptr, "SM4-ECB", nullptr);
  EVP_CIPHER* aes_256_gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
};

const fetched& algorithms() {
  static const fetched instance;  // never freed: they live as long as the process
  return instance;
}

error_code fail(errc e) {
  return make_error_code(e);
}

// The AES variant (0, 1, 2 for 128, 192, 256 bits) of a key size, or -1.
int aes_index(std::size_t size) {
  return size == 16 ? 0 : size == 24 ? 1 : size == 32 ? 2 : -1;
}

// The ECB cipher of a block algorithm and key size; null when the pair is invalid or missing.
const EVP_CIPHER* ecb_cipher(key_algorithm a, std::size_t key_size) {
  const auto& f = algorithms();
  switch (a) {
    case key_algorithm::tdes:
      return key_size == 16 ? f.des_ede_ecb : key_size == 24 ? f.des_ede3_ecb : nullptr;
    case key_algorithm::aes:
      return aes_index(key_size) < 0 ? nullptr : f.aes_ecb[aes_index(key_size)];
    case key_algorithm::sm4:
      return key_size == 16 ? f.sm4_ecb : nullptr;
    default:
      return nullptr;
  }
}

// Runs `cipher` over whole blocks without padding.
error_code run_cipher(const EVP_CIPHER* cipher, bytes_view key, const std::uint8_t* iv,
                      bool encrypt, bytes_view in, std::span<std::uint8_t> out) {
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  if (!ctx ||
      EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv, encrypt ? 1 : 0, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) !=
          1 ||
      static_cast<std::size_t>(written) != in.size()) {
    return fail(errc::crypto_failure);
  }
  return {};
}

// This thread's HMAC context for `a`'s digest, made on first use; null when OpenSSL cannot make
// it (SM3 absent). Making a context and fetching its digest cost as much as the MAC of a short
// message, and the merchant API computes several per request. EVP_MAC_init with a key starts
// over, so nothing of one message reaches the next; the last key's pads stay in the context until
// the next MAC or the thread's end (EVP_MAC_CTX_free cleanses them), inside the process that
// holds the keys anyway.
EVP_MAC_CTX* hmac_context(key_algorithm a) {
  thread_local mac_ctx per_digest[2];
  const bool sm3 = a == key_algorithm::hmac_sm3;
  mac_ctx& ctx = per_digest[sm3 ? 1 : 0];
  if (ctx) return ctx.get();
  char name[8] = "SHA256";
  if (sm3) std::snprintf(name, sizeof name, "SM3");
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
                               OSSL_PARAM_construct_end()};
  mac_ctx made(EVP_MAC_CTX_new(algorithms().hmac));
  if (!made || EVP_MAC_CTX_set_params(made.get(), params) != 1) return nullptr;
  ctx = std::move(made);
  return ctx.get();
}

}  // namespace

namespace primitives {

result<digest> hmac(key_algorithm a, bytes_view key, std::span<const std::string_view> parts) {
  if (!is_hmac(a) || key.empty()) return fail(errc::bad_key_spec);
  if (algorithms().hmac == nullptr) return fail(errc::unsupported_algorithm);
  EVP_MAC_CTX* ctx = hmac_context(a);
  if (ctx == nullptr) {
    return fail(a == key_algorithm::hmac_sm3 ? errc::unsupported_algorithm : errc::crypto_failure);
  }
  if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1) return fail(errc::crypto_failure);
  for (const auto part : parts) {
    const auto b = as_bytes(part);
    if (EVP_MAC_update(ctx, b.data(), b.size()) != 1) return fail(errc::crypto_failure);
  }
  digest out{};
  std::size_t size = 0;
  if (EVP_MAC_final(ctx, out.data(), &size, out.size()) != 1 || size != out.size()) {
    return fail(errc::crypto_failure);
  }
  return out;
}

result<std::array<std::uint8_t, 16>> cmac(key_algorithm a, bytes_view key, bytes_view data) {
  char name[16];
  if (a == key_algorithm::aes && aes_index(key.size()) >= 0) {
    std::snprintf(name, sizeof name, "AES-%zu-CBC", key.size() * 8);
  } else if (a == key_algorithm::sm4 && key.size() == 16) {
    std::snprintf(name, sizeof name, "SM4-CBC");
  } else {
    return fail(errc::bad_key_spec);
  }
  const auto& f = algorithms();
  if (f.cmac == nullptr) return fail(errc::unsupported_algorithm);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, name, 0),
                               OSSL_PARAM_construct_end()};
  mac_ctx ctx(EVP_MAC_CTX_new(f.cmac));
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    return fail(a == key_algorithm::sm4 ? errc::unsupported_algorithm : errc::crypto_failure);
  }
  std::array<std::uint8_t, 16> out{};
  std::size_t size = 0;
  if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1 || size != out.size()) {
    return fail(errc::crypto_failure);
  }
  return out;
}

result<mac_value> retail_mac(bytes_view key, bytes_view data) {
  if (key.size() != 16) return fail(errc::bad_key_spec);
  const auto& f = algorithms();
  if (f.des_ede_cbc == nullptr || f.des_ede_ecb == nullptr) {
    return fail(errc::unsupported_algorithm);
  }
  // K || K: EDE under (K, K) is single DES under K.
  std::array<std::uint8_t, 16> single{};
  std::copy_n(key.begin(), 8, single.begin());
  std::copy_n(key.begin(), 8, single.begin() + 8);
  // Padding method 1: zeros up to a whole block; empty data is one block of zeros.
  const std::size_t last = data.empty() ? 0 : (data.size() - 1) / 8 * 8;  // start of last block
  mac_value h{};
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  bool ok =
      ctx &&
      EVP_CipherInit_ex2(ctx.get(), f.des_ede_cbc, single.data(), h.data(), 1, nullptr) == 1 &&
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1;
  // CBC over every block but the last; its final output block is H(n-1). Chunked so a large
  // message needs no buffer of its own size.
  std::array<std::uint8_t, 512> out{};
  for (std::size_t at = 0; ok && at < last; at += out.size()) {
    const std::size_t n = std::min(out.size(), last - at);
    int written = 0;
    ok = EVP_CipherUpdate(ctx.get(), out.data(), &written, data.data() + at, static_cast<int>(n)) ==
             1 &&
         static_cast<std::size_t>(written) == n;
    if (ok) std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(n - 8), 8, h.begin());
  }
  OPENSSL_cleanse(single.data(), single.size());
  if (!ok) return fail(errc::crypto_failure);
  mac_value block{};
  for (std::size_t i = 0; last + i < data.size(); ++i) block[i] = data[last + i];
  for (std::size_t i = 0; i < 8; ++i) block[i] ^= h[i];
  // The last block under the whole key: E(K, D(K', E(K, x))) is 2-key 3DES EDE.
  mac_value result_block{};
  if (auto ec = run_cipher(f.des_ede_ecb, key, nullptr, true, block, result_block)) return ec;
  return result_block;
}

result<mac_value> message_mac(key_algorithm a, bytes_view key, bytes_view data) {
  if (a == key_algorithm::tdes) return retail_mac(key, data);
  auto full = cmac(a, key, data);
  if (!full) return full.error();
  mac_value out{};
  std::copy_n(full->begin(), out.size(), out.begin());
  return out;
}

error_code ecb(key_algorithm a, bytes_view key, bool encrypt, bytes_view in,
               std::span<std::uint8_t> out) {
  const std::size_t block = block_size(a);
  if (block == 0) return fail(errc::bad_key_spec);
  if (in.empty() || in.size() % block != 0 || out.size() != in.size()) {
    return fail(errc::bad_input);
  }
  const EVP_CIPHER* cipher = ecb_cipher(a, key.size());
  if (cipher == nullptr) {
    return fail(a == key_algorithm::sm4 && key.size() == 16 ? errc::unsupported_algorithm
                                                            : errc::bad_key_spec);
  }
  return run_cipher(cipher, key, nullptr, encrypt, in, out);
}

result<std::string> kcv(key_algorithm a, bytes_view key) {
  static constexpr std::array<std::uint8_t, 16> zeros{};
  std::array<std::uint8_t, 16> check{};
  if (a == key_algorithm::tdes) {
    if (auto ec = ecb(a, key, true, std::span(zeros).first(8), std::span(check).first(8))) {
      return ec;
    }
  } else if (is_hmac(a)) {
    const std::string_view zero_text(reinterpret_cast<const char*>(zeros.data()), zeros.size());
    auto d = hmac(a, key, std::span(&zero_text, 1));
    if (!d) return d.error();
    std::copy_n(d->begin(), check.size(), check.begin());
  } else {
    auto c = cmac(a, key, zeros);
    if (!c) return c.error();
    check = *c;
  }
  return to_hex(std::span(check).first(3));
}

result<secure_bytes> unwrap(key_algorithm zmk_algorithm, bytes_view zmk, bytes_view wrapped) {
  if (zmk_algorithm != key_algorithm::aes) {
    secure_bytes clear(wrapped.size());
    if (auto ec = ecb(zmk_algorithm, zmk, false, wrapped, clear.span())) return ec;
    return clear;
  }
  // RFC 3394: 64-bit semiblocks, one more than the key, with an integrity check value.
  const int index = aes_index(zmk.size());
  if (index < 0) return fail(errc::bad_key_spec);
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0) return fail(errc::bad_input);
  const EVP_CIPHER* cipher = algorithms().aes_wrap[index];
  if (cipher == nullptr) return fail(errc::unsupported_algorithm);
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  secure_bytes clear(wrapped.size());
  int written = 0;
  int final_written = 0;
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher, zmk.data(), nullptr, nullptr) != 1) {
    return fail(errc::crypto_failure);
  }
  if (EVP_DecryptUpdate(ctx.get(), clear.data(), &written, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), clear.data() + written, &final_written) != 1) {
    return fail(errc::verification_failed);
  }
  clear.truncate(static_cast<std::size_t>(written + final_written));
  return clear;
}

result<std::vector<std::uint8_t>> wrap(key_algorithm zmk_algorithm, bytes_view zmk,
                                       bytes_view key) {
  if (zmk_algorithm != key_algorithm::aes) {
    std::vector<std::uint8_t> out(key.size());
    if (auto ec = ecb(zmk_algorithm, zmk, true, key, out)) return ec;
    return out;
  }
  const int index = aes_index(zmk.size());
  if (index < 0) return fail(errc::bad_key_spec);
  if (key.size() < 16 || key.size() % 8 != 0) return fail(errc::bad_input);
  const EVP_CIPHER* cipher = algorithms().aes_wrap[index];
  if (cipher == nullptr) return fail(errc::unsupported_algorithm);
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  std::vector<std::uint8_t> out(key.size() + 16);
  int written = 0;
  int final_written = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher, zmk.data(), nullptr, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, key.data(),
                        static_cast<int>(key.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
    return fail(errc::crypto_failure);
  }
  out.resize(static_cast<std::size_t>(written + final_written));
  return out;
}

result<std::vector<std::uint8_t>> gcm_seal(bytes_view key, bytes_view plaintext, bytes_view aad) {
  if (key.size() != 32) return fail(errc::bad_key_spec);
  std::vector<std::uint8_t> out(gcm_nonce_size + plaintext.size() + gcm_tag_size);
  if (auto ec = random_bytes(std::span(out).first(gcm_nonce_size))) return ec;
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int ignored = 0;
  std::uint8_t* body = out.data() + gcm_nonce_size;
  std::uint8_t* tag = body + plaintext.size();
  const bool ok = ctx &&
                  EVP_EncryptInit_ex2(ctx.get(), algorithms().aes_256_gcm, key.data(), out.data(),
                                      nullptr) == 1 &&
                  (aad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &ignored, aad.data(),
                                                    static_cast<int>(aad.size())) == 1) &&
                  EVP_EncryptUpdate(ctx.get(), body, &written, plaintext.data(),
                                    static_cast<int>(plaintext.size())) == 1 &&
                  EVP_EncryptFinal_ex(ctx.get(), body + written, &ignored) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, gcm_tag_size, tag) == 1;
  if (!ok) return fail(errc::crypto_failure);
  return out;
}

result<secure_bytes> gcm_open(bytes_view key, bytes_view sealed, bytes_view aad) {
  if (key.size() != 32) return fail(errc::bad_key_spec);
  if (sealed.size() < gcm_nonce_size + gcm_tag_size) return fail(errc::bad_input);
  const std::size_t body_size = sealed.size() - gcm_nonce_size - gcm_tag_size;
  secure_bytes clear(body_size);
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  int written = 0;
  int ignored = 0;
  std::array<std::uint8_t, gcm_tag_size> tag{};
  std::copy_n(sealed.end() - gcm_tag_size, gcm_tag_size, tag.begin());
  const bool ready =
      ctx &&
      EVP_DecryptInit_ex2(ctx.get(), algorithms().aes_256_gcm, key.data(), sealed.data(),
                          nullptr) == 1 &&
      (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &ignored, aad.data(),
                                        static_cast<int>(aad.size())) == 1) &&
      EVP_DecryptUpdate(ctx.get(), clear.data(), &written, sealed.data() + gcm_nonce_size,
                        static_cast<int>(body_size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, gcm_tag_size, tag.data()) == 1;
  if (!ready) return fail(errc::crypto_failure);
  if (EVP_DecryptFinal_ex(ctx.get(), clear.data() + written, &ignored) != 1) {
    return fail(errc::verification_failed);
  }
  return clear;
}

error_code random_bytes(std::span<std::uint8_t> out) {
  if (out.empty()) return {};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) return fail(errc::crypto_failure);
  return {};
}

}  // namespace primitives

std::string to_hex(bytes_view bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

result<secure_bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail(errc::bad_input);
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  secure_bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(errc::bad_input);
    out.data()[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace sy::hsm
