// Known-answer tests of the primitives on clear keys: RFC 4231 HMAC-SHA256, NIST SP 800-38B
// AES-CMAC, ISO 9797-1 MAC algorithm 3, RFC 3394 key wrap, published KCVs, AES-GCM.
#include "hsm/primitives.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "hsm/errc.h"
#include "tests/hsm/hsm_test_support.h"

namespace sy::hsm {
namespace {

using testing::bytes;
using testing::hex;

std::string hmac_hex(std::string_view key_hex, std::string_view data) {
  const auto key = bytes(key_hex);
  const std::array<std::string_view, 1> parts{data};
  auto d = primitives::hmac(key_algorithm::hmac_sha256, key, parts);
  return d ? hex(*d) : d.error().message();
}

TEST(HsmPrimitives, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmac_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There"),
            "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7");
  EXPECT_EQ(hmac_hex("4a656665", "what do ya want for nothing?"),
            "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
  EXPECT_EQ(hmac_hex(std::string(40, 'a'), std::string(50, '\xdd')),
            "773EA91E36800E46854DB8EBD09181A72959098B3EF8C122D9635514CED565FE");
  EXPECT_EQ(hmac_hex("0102030405060708090a0b0c0d0e0f10111213141516171819", std::string(50, '\xcd')),
            "82558A389A443C0EA4CC819899F2083A85F0FAA3E578F8077A2E3FF46729665B");
  EXPECT_EQ(hmac_hex(std::string(262, 'a'), testing::rfc4231_case6_data),
            testing::rfc4231_case6_mac);
  EXPECT_EQ(hmac_hex(std::string(262, 'a'), testing::rfc4231_case7_data),
            testing::rfc4231_case7_mac);
}

TEST(HsmPrimitives, HmacOverPartsEqualsHmacOverTheirConcatenation) {
  const auto key = bytes(std::string(64, '1'));
  const std::array<std::string_view, 3> parts{"POST\n", "/v1/payments\n", "body"};
  const std::array<std::string_view, 1> whole{"POST\n/v1/payments\nbody"};
  EXPECT_EQ(*primitives::hmac(key_algorithm::hmac_sha256, key, parts),
            *primitives::hmac(key_algorithm::hmac_sha256, key, whole));
}

TEST(HsmPrimitives, AesCmacMatchesNistSp800_38b) {
  const auto key = bytes("2b7e151628aed2a6abf7158809cf4f3c");
  const auto message = bytes(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const auto cmac = [&](std::size_t n) {
    auto m = primitives::cmac(key_algorithm::aes, key, std::span(message).first(n));
    return m ? hex(*m) : m.error().message();
  };
  EXPECT_EQ(cmac(0), "BB1D6929E95937287FA37D129B756746");
  EXPECT_EQ(cmac(16), "070A16B46B4D4144F79BDD9DD04A287C");
  EXPECT_EQ(cmac(40), "DFA66747DE9AE63030CA32611497C827");
  EXPECT_EQ(cmac(64), "51F0BEBF7E3B9D92FC49741779363CFE");
}

TEST(HsmPrimitives, RetailMacMatchesIso9797Algorithm3Example) {
  // ISO/IEC 9797-1 annex: K = 0123456789ABCDEF, K' = FEDCBA9876543210, padding method 1.
  auto mac = primitives::retail_mac(bytes(testing::tdes_test_key),
                                    testing::as_span("Now is the time for all "));
  ASSERT_TRUE(mac) << mac.error().message();
  EXPECT_EQ(hex(*mac), "A1C72E74EA3FA9B6");
}

TEST(HsmPrimitives, RetailMacPadsAPartialLastBlockWithZeros) {
  const auto key = bytes(testing::tdes_test_key);
  const std::string text = "Now is the time for all ISO 858";  // 31 bytes
  const std::string padded = text + std::string(8 - text.size() % 8, '\0');
  EXPECT_EQ(*primitives::retail_mac(key, testing::as_span(text)),
            *primitives::retail_mac(key, testing::as_span(padded)));
  const std::string long_text(3000, 'x');  // crosses the chunking of the CBC pass
  EXPECT_TRUE(primitives::retail_mac(key, testing::as_span(long_text)));
}

TEST(HsmPrimitives, KcvsOfPublishedTestKeys) {
  EXPECT_EQ(*primitives::kcv(key_algorithm::tdes, bytes(testing::tdes_test_key)), "08D7B4");
  EXPECT_EQ(*primitives::kcv(key_algorithm::tdes, bytes("0123456789ABCDEF0123456789ABCDEF")),
            "D5D44F");  // single-length 0123456789ABCDEF as a double-length key
  EXPECT_EQ(*primitives::kcv(key_algorithm::aes, bytes("2b7e151628aed2a6abf7158809cf4f3c")),
            "7AD386");
}

TEST(HsmPrimitives, AesKeyWrapMatchesRfc3394) {
  const auto kek = bytes("000102030405060708090A0B0C0D0E0F");
  const auto key = bytes("00112233445566778899AABBCCDDEEFF");
  auto wrapped = primitives::wrap(key_algorithm::aes, kek, key);
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(hex(*wrapped), "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
  auto clear = primitives::unwrap(key_algorithm::aes, kek, *wrapped);
  ASSERT_TRUE(clear);
  EXPECT_EQ(hex(clear->view()), "00112233445566778899AABBCCDDEEFF");
  (*wrapped)[3] ^= 1;
  EXPECT_EQ(primitives::unwrap(key_algorithm::aes, kek, *wrapped).error(),
            errc::verification_failed);
}

TEST(HsmPrimitives, GcmOpensWhatItSealsAndRefusesAnythingElse) {
  const auto key = bytes(std::string(64, '7'));
  auto sealed =
      primitives::gcm_seal(key, testing::as_span("4111111111111111"), testing::as_span("pay_1"));
  ASSERT_TRUE(sealed);
  auto clear = primitives::gcm_open(key, *sealed, testing::as_span("pay_1"));
  ASSERT_TRUE(clear);
  EXPECT_EQ(clear->text(), "4111111111111111");
  EXPECT_EQ(primitives::gcm_open(key, *sealed, testing::as_span("pay_2")).error(),
            errc::verification_failed);
  (*sealed)[gcm_nonce_size] ^= 1;
  EXPECT_EQ(primitives::gcm_open(key, *sealed, testing::as_span("pay_1")).error(),
            errc::verification_failed);
  EXPECT_EQ(primitives::gcm_open(key, std::span(*sealed).first(10), {}).error(), errc::bad_input);
}

TEST(HsmPrimitives, Sm3AndSm4AreAvailableInThisOpenSsl) {
  // Debian 12's OpenSSL 3.0 ships SM3 and SM4 in the default provider (docs/security.md).
  const std::array<std::string_view, 1> abc{"abc"};
  auto sm3 = primitives::hmac(key_algorithm::hmac_sm3, bytes(std::string(64, '0')), abc);
  EXPECT_TRUE(sm3) << sm3.error().message();
  auto sm4 = primitives::cmac(key_algorithm::sm4, bytes("0123456789ABCDEFFEDCBA9876543210"), {});
  EXPECT_TRUE(sm4) << sm4.error().message();
  // GB/T 32907 example 1: key = plaintext = 0123456789ABCDEFFEDCBA9876543210.
  std::array<std::uint8_t, 16> out{};
  ASSERT_FALSE(primitives::ecb(key_algorithm::sm4, bytes(testing::tdes_test_key), true,
                               bytes(testing::tdes_test_key), out));
  EXPECT_EQ(hex(out), "681EDF34D206965E86B3E94F536E4246");
}

TEST(HsmPrimitives, HexRoundTripsAndRefusesNonHex) {
  EXPECT_EQ(hex(from_hex("00ff10Ab")->view()), "00FF10AB");
  EXPECT_EQ(from_hex("abc").error(), errc::bad_input);
  EXPECT_EQ(from_hex("zz").error(), errc::bad_input);
}

}  // namespace
}  // namespace sy::hsm
