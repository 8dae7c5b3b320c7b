// ISO 9564-1 PIN blocks: the format 0 example everyone quotes, format 4 against a block built
// independently with the openssl command line, and malformed blocks refused.
#include "hsm/pin_block.h"

#include <gtest/gtest.h>

#include "hsm/errc.h"
#include "hsm/primitives.h"
#include "tests/hsm/hsm_test_support.h"

namespace sy::hsm {
namespace {

using testing::bytes;
using testing::hex;

block_cipher cipher_of(key_algorithm a, std::vector<std::uint8_t> key) {
  return [a, key = std::move(key)](bool encrypt, bytes_view in, std::span<std::uint8_t> out) {
    return primitives::ecb(a, key, encrypt, in, out);
  };
}

// Decrypting with this "cipher" shows the clear block (the identity), for format 0's example.
error_code identity(bool, bytes_view in, std::span<std::uint8_t> out) {
  std::copy(in.begin(), in.end(), out.begin());
  return {};
}

pin_block block_of(std::string_view hex_text) {
  pin_block b;
  const auto raw = bytes(hex_text);
  std::copy(raw.begin(), raw.end(), b.bytes.begin());
  b.size = static_cast<std::uint8_t>(raw.size());
  return b;
}

TEST(PinBlock, Format0ClearBlockMatchesTheIso9564Example) {
  // PIN 1234, PAN 43219876543210987: 041234FFFFFFFFFF XOR 0000987654321098.
  clear_pin pin;
  ASSERT_FALSE(pin.assign("1234"));
  auto block = pin_codec::encipher(pin_format::iso0, identity, pin, "43219876543210987");
  ASSERT_TRUE(block);
  EXPECT_EQ(hex(block->view()), "0412AC89ABCDEF67");
}

TEST(PinBlock, Format0UnderTheTestKeyOpensToThePin) {
  // E(0123456789ABCDEFFEDCBA9876543210, 0412AC89ABCDEF67), computed with `openssl enc`.
  const auto cipher = cipher_of(key_algorithm::tdes, bytes(testing::tdes_test_key));
  clear_pin pin;
  ASSERT_FALSE(pin_codec::decipher(pin_format::iso0, cipher, block_of("C967C8198151A458"),
                                   "43219876543210987", pin));
  EXPECT_EQ(pin.digits(), "1234");
  auto again = pin_codec::encipher(pin_format::iso0, cipher, pin, "43219876543210987");
  EXPECT_EQ(hex(again->view()), "C967C8198151A458");
}

TEST(PinBlock, Format4UnderAesOpensToThePin) {
  // PIN field 441234AAAAAAAAAA || 2F69ADDE2E9E7ACE, PAN 432198765432109870, AES-128 key
  // 000102...0F; enciphered (E, XOR PAN field 6432198765432109870..., E) with `openssl enc`.
  const auto cipher = cipher_of(key_algorithm::aes, bytes("000102030405060708090A0B0C0D0E0F"));
  clear_pin pin;
  ASSERT_FALSE(pin_codec::decipher(pin_format::iso4, cipher,
                                   block_of("726BD9F69828C02857D3BB553D9FB9F7"),
                                   "432198765432109870", pin));
  EXPECT_EQ(pin.digits(), "1234");
}

TEST(PinBlock, Format4BlocksDifferEachTimeButOpenToTheSamePin) {
  const auto cipher = cipher_of(key_algorithm::aes, bytes(std::string(64, '5')));
  clear_pin pin;
  ASSERT_FALSE(pin.assign("987654321012"));
  auto a = pin_codec::encipher(pin_format::iso4, cipher, pin, "4111111111111111");
  auto b = pin_codec::encipher(pin_format::iso4, cipher, pin, "4111111111111111");
  ASSERT_TRUE(a && b);
  EXPECT_NE(hex(a->view()), hex(b->view()));  // random fill
  clear_pin opened;
  ASSERT_FALSE(pin_codec::decipher(pin_format::iso4, cipher, *b, "4111111111111111", opened));
  EXPECT_EQ(opened.digits(), "987654321012");
}

TEST(PinBlock, WrongPanOrKeyIsRefusedNotMisread) {
  const auto cipher = cipher_of(key_algorithm::tdes, bytes(testing::tdes_test_key));
  const auto other = cipher_of(key_algorithm::tdes, bytes("FEDCBA98765432100123456789ABCDEF"));
  clear_pin pin;
  // A wrong key decrypts to noise: the control, length and fill checks refuse it.
  EXPECT_EQ(pin_codec::decipher(pin_format::iso0, other, block_of("C967C8198151A458"),
                                "43219876543210987", pin),
            errc::bad_input);
  EXPECT_EQ(pin_codec::decipher(pin_format::iso0, cipher, block_of("C967C8198151A458"), "123", pin),
            errc::bad_input);
  EXPECT_EQ(pin_codec::decipher(pin_format::iso4, cipher, block_of("C967C8198151A458"),
                                "43219876543210987", pin),
            errc::bad_input);  // an 8-byte block is not format 4
}

TEST(PinBlock, ClearPinAcceptsOnlyFourToTwelveDigits) {
  clear_pin pin;
  EXPECT_EQ(pin.assign("123"), errc::bad_input);
  EXPECT_EQ(pin.assign("1234567890123"), errc::bad_input);
  EXPECT_EQ(pin.assign("12a4"), errc::bad_input);
  EXPECT_FALSE(pin.assign("0000"));
}

}  // namespace
}  // namespace sy::hsm
