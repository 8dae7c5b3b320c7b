// The suite every backend passes: key management (generate, import clear and under a ZMK with
// its KCV, rotate, retire, list), known answers through the backend, signatures, MACs, PIN
// translation, PAN protection, precise errors and injected failures.
#include "hsm/backend.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "config/limits.h"
#include "hsm/errc.h"
#include "hsm/message_mac.h"
#include "hsm/pan_protection.h"
#include "hsm/request_signature.h"
#include "tests/hsm/hsm_test_support.h"

namespace sy::hsm {
namespace {

using testing::bytes;
using testing::hex;

class HsmBackend : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    hsm_ = testing::make_backend(GetParam(), dir_);
    ASSERT_NE(hsm_, nullptr);
  }

  key_info import(std::string name, key_type t, key_algorithm a, std::string_view hex_key) {
    auto k = hsm_->import_clear({std::move(name), t, a, 0}, bytes(hex_key));
    EXPECT_TRUE(k) << k.error().message();
    return k ? *k : key_info{};
  }

  testing::temp_dir dir_{"backend"};
  std::unique_ptr<backend> hsm_;
};

TEST_P(HsmBackend, GeneratesKeysWithTheirCheckValuesAndListsThem) {
  auto tak = hsm_->generate({"bank_mac", key_type::tak, key_algorithm::tdes, 0});
  ASSERT_TRUE(tak) << tak.error().message();
  EXPECT_EQ(tak->version, 1u);
  EXPECT_EQ(tak->size, 16u);
  EXPECT_EQ(tak->kcv.size(), 6u);
  auto secret =
      hsm_->generate({"merchant_key", key_type::api_secret, key_algorithm::hmac_sha256, 0});
  ASSERT_TRUE(secret) << secret.error().message();
  auto data = hsm_->generate({"pan_key", key_type::pan_data, key_algorithm::aes, 0});
  ASSERT_TRUE(data) << data.error().message();
  auto all = hsm_->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  std::set<std::string> names;
  for (const auto& k : *all) names.insert(k.name);
  EXPECT_EQ(names, (std::set<std::string>{"bank_mac", "merchant_key", "pan_key"}));
  EXPECT_EQ(hsm_->generate({"bank_mac", key_type::tak, key_algorithm::tdes, 0}).error(),
            errc::key_exists);
}

TEST_P(HsmBackend, RefusesInvalidKeySpecs) {
  EXPECT_EQ(hsm_->generate({"bad name", key_type::tak, key_algorithm::tdes, 0}).error(),
            errc::bad_key_spec);
  EXPECT_EQ(hsm_->generate({"k", key_type::tak, key_algorithm::hmac_sha256, 0}).error(),
            errc::bad_key_spec);
  EXPECT_EQ(hsm_->generate({"k", key_type::pan_data, key_algorithm::aes, 16}).error(),
            errc::bad_key_spec);
  EXPECT_EQ(hsm_->import_clear({"k", key_type::api_secret, key_algorithm::hmac_sha256, 0},
                               bytes("00112233"))
                .error(),
            errc::bad_key_spec);  // shorter than the hash
}

TEST_P(HsmBackend, ImportedKeysShowPublishedCheckValues) {
  EXPECT_EQ(import("zmk", key_type::zmk, key_algorithm::tdes, testing::tdes_test_key).kcv,
            "08D7B4");
  EXPECT_EQ(
      import("tak_aes", key_type::tak, key_algorithm::aes, "2b7e151628aed2a6abf7158809cf4f3c").kcv,
      "7AD386");
}

TEST_P(HsmBackend, HmacMatchesRfc4231LongKeyVectors) {
  import("rfc4231", key_type::api_secret, key_algorithm::hmac_sha256, std::string(262, 'a'));
  for (const auto& [data, mac] :
       {std::pair{testing::rfc4231_case6_data, testing::rfc4231_case6_mac},
        std::pair{testing::rfc4231_case7_data, testing::rfc4231_case7_mac}}) {
    const std::array<std::string_view, 1> parts{data};
    auto d = hsm_->hmac({"rfc4231", 0}, key_type::api_secret, parts);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(hex(*d), mac);
  }
}

TEST_P(HsmBackend, MacsMatchIso9797Algorithm3AndNistCmac) {
  import("tak3des", key_type::tak, key_algorithm::tdes, testing::tdes_test_key);
  auto mac = hsm_->mac({"tak3des", 0}, testing::as_span("Now is the time for all "));
  ASSERT_TRUE(mac) << mac.error().message();
  EXPECT_EQ(hex(*mac), "A1C72E74EA3FA9B6");

  import("takaes", key_type::tak, key_algorithm::aes, "2b7e151628aed2a6abf7158809cf4f3c");
  const auto message = bytes("6bc1bee22e409f96e93d7e117393172a");
  auto cmac = hsm_->mac({"takaes", 0}, message);
  ASSERT_TRUE(cmac) << cmac.error().message();
  EXPECT_EQ(hex(*cmac), "070A16B46B4D4144");  // leftmost 8 bytes of the NIST value
  auto empty = hsm_->mac({"takaes", 0}, {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(hex(*empty), "BB1D6929E9593728");
}

TEST_P(HsmBackend, ImportUnderZmkChecksTheKcv) {
  // A 3DES ZMK carrying a 3DES TAK (ECB), as banks exchange keys on paper or in a key block.
  import("zmk", key_type::zmk, key_algorithm::tdes, testing::tdes_test_key);
  const auto tak = bytes("89ABCDEF0123456776543210FEDCBA98");
  const auto wrapped = *primitives::wrap(key_algorithm::tdes, bytes(testing::tdes_test_key), tak);
  const std::string kcv = *primitives::kcv(key_algorithm::tdes, tak);
  const key_spec spec{"bank_tak", key_type::tak, key_algorithm::tdes, 0};
  EXPECT_EQ(hsm_->import_wrapped(spec, {"zmk", 0}, wrapped, "000000").error(), errc::bad_kcv);
  auto imported = hsm_->import_wrapped(spec, {"zmk", 0}, wrapped, kcv);
  ASSERT_TRUE(imported) << imported.error().message();
  EXPECT_EQ(imported->kcv, kcv);
  EXPECT_EQ(hsm_->import_wrapped(spec, {"bank_tak", 0}, wrapped, kcv).error(),
            errc::wrong_key_type);
  EXPECT_EQ(hsm_->import_wrapped(spec, {"nope", 0}, wrapped, kcv).error(), errc::key_missing);

  // An AES ZMK carries keys in RFC 3394 key wrap.
  const auto aes_zmk = bytes(std::string(64, 'c'));
  import("zmk_aes", key_type::zmk, key_algorithm::aes, std::string(64, 'c'));
  const auto data_key = bytes(std::string(64, 'd'));
  const auto aes_wrapped = *primitives::wrap(key_algorithm::aes, aes_zmk, data_key);
  auto pan_key =
      hsm_->import_wrapped({"pan", key_type::pan_data, key_algorithm::aes, 0}, {"zmk_aes", 0},
                           aes_wrapped, *primitives::kcv(key_algorithm::aes, data_key));
  ASSERT_TRUE(pan_key) << pan_key.error().message();
}

TEST_P(HsmBackend, RotationKeepsOldVersionsVerifyingUntilRetired) {
  import("merchant", key_type::api_secret, key_algorithm::hmac_sha256, std::string(64, '1'));
  const signed_request request{"POST", "/v1/payments", "1700000000", "nonce-0123456789ab",
                               R"({"amount":1099})"};
  const std::array<std::string_view, 10> parts{"POST",
                                               "\n",
                                               "/v1/payments",
                                               "\n",
                                               "1700000000",
                                               "\n",
                                               "nonce-0123456789ab",
                                               "\n",
                                               R"({"amount":1099})",
                                               "\n"};
  const auto old_signature =
      base64(*primitives::hmac(key_algorithm::hmac_sha256, bytes(std::string(64, '1')), parts));
  auto v = verify_request_signature(*hsm_, "merchant", request, old_signature);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, 1u);

  auto rotated = hsm_->rotate("merchant");
  ASSERT_TRUE(rotated) << rotated.error().message();
  EXPECT_EQ(rotated->version, 2u);
  EXPECT_TRUE(rotated->active);
  EXPECT_EQ(*verify_request_signature(*hsm_, "merchant", request, old_signature), 1u);
  auto response = sign_response(*hsm_, {"merchant", 2}, "1700000001", "nonce-0123456789ab", "{}");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->size(), 44u);

  EXPECT_EQ(hsm_->retire("merchant", 2).error(), errc::active_version);
  ASSERT_TRUE(hsm_->retire("merchant", 1));
  EXPECT_EQ(verify_request_signature(*hsm_, "merchant", request, old_signature).error(),
            errc::verification_failed);
  EXPECT_EQ(hsm_->retire("merchant", 1).error(), errc::key_missing);
  EXPECT_EQ(hsm_->rotate("nobody").error(), errc::key_missing);
}

TEST_P(HsmBackend, SignatureVerificationRefusesTamperingAndMalformedInput) {
  import("merchant", key_type::api_secret, key_algorithm::hmac_sha256, std::string(64, '2'));
  signed_request request{"GET", "/v1/payments/pay_1", "1700000000", "nonce-0123456789ab", ""};
  const std::array<std::string_view, 10> parts{"GET",        "\n", "/v1/payments/pay_1", "\n",
                                               "1700000000", "\n", "nonce-0123456789ab", "\n",
                                               "",           "\n"};
  const auto good =
      base64(*primitives::hmac(key_algorithm::hmac_sha256, bytes(std::string(64, '2')), parts));
  EXPECT_TRUE(verify_request_signature(*hsm_, "merchant", request, good));
  request.path = "/v1/payments/pay_2";
  EXPECT_EQ(verify_request_signature(*hsm_, "merchant", request, good).error(),
            errc::verification_failed);
  EXPECT_EQ(verify_request_signature(*hsm_, "merchant", request, "short").error(),
            errc::verification_failed);
  EXPECT_EQ(verify_request_signature(*hsm_, "unknown", request, good).error(), errc::key_missing);
  import("tak", key_type::tak, key_algorithm::aes, std::string(32, '3'));
  EXPECT_EQ(verify_request_signature(*hsm_, "tak", request, good).error(), errc::wrong_key_type);
}

TEST_P(HsmBackend, MessageMacsVerifyUnderEveryLiveVersion) {
  ASSERT_TRUE(hsm_->generate({"channel_mac", key_type::tak, key_algorithm::tdes, 0}));
  const auto message = testing::as_span("0200 message bytes before DE 64");
  auto mac = generate_message_mac(*hsm_, "channel_mac", message);
  ASSERT_TRUE(mac) << mac.error().message();
  EXPECT_EQ(*verify_message_mac(*hsm_, "channel_mac", message, *mac), 1u);
  ASSERT_TRUE(hsm_->rotate("channel_mac"));
  EXPECT_EQ(*verify_message_mac(*hsm_, "channel_mac", message, *mac), 1u);
  auto bad = *mac;
  bad[0] ^= 0x80;
  EXPECT_EQ(verify_message_mac(*hsm_, "channel_mac", message, bad).error(),
            errc::verification_failed);
  EXPECT_EQ(verify_message_mac(*hsm_, "channel_mac", message, std::span(bad).first(4)).error(),
            errc::verification_failed);
}

TEST_P(HsmBackend, TranslatesPinBlocksBetweenZonesAndFormats) {
  import("acquirer_zpk", key_type::zpk, key_algorithm::tdes, testing::tdes_test_key);
  import("bank_zpk", key_type::zpk, key_algorithm::aes, "000102030405060708090A0B0C0D0E0F");
  import("bank_zpk3", key_type::zpk, key_algorithm::tdes, "FEDCBA98765432100123456789ABCDEF");
  pin_block in;
  const auto raw = bytes("C967C8198151A458");  // PIN 1234 under the test key, format 0
  std::copy(raw.begin(), raw.end(), in.bytes.begin());
  in.size = 8;
  const std::string_view pan = "43219876543210987";

  auto to4 = hsm_->translate_pin({"acquirer_zpk", 0}, pin_format::iso0, {"bank_zpk", 0},
                                 pin_format::iso4, in, pan);
  ASSERT_TRUE(to4) << to4.error().message();
  EXPECT_EQ(to4->size, 16);
  auto back = hsm_->translate_pin({"bank_zpk", 0}, pin_format::iso4, {"acquirer_zpk", 0},
                                  pin_format::iso0, *to4, pan);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(hex(back->view()), "C967C8198151A458");  // format 0 is deterministic

  auto to_bank = hsm_->translate_pin({"acquirer_zpk", 0}, pin_format::iso0, {"bank_zpk3", 0},
                                     pin_format::iso0, in, pan);
  ASSERT_TRUE(to_bank);
  // Expected: E(FEDC...||0123..., 0412AC89ABCDEF67) under the second key.
  std::array<std::uint8_t, 8> expected{};
  ASSERT_FALSE(primitives::ecb(key_algorithm::tdes, bytes("FEDCBA98765432100123456789ABCDEF"), true,
                               bytes("0412AC89ABCDEF67"), expected));
  EXPECT_EQ(hex(to_bank->view()), hex(expected));

  EXPECT_EQ(hsm_->translate_pin({"acquirer_zpk", 0}, pin_format::iso0, {"bank_zpk", 0},
                                pin_format::iso0, in, pan)
                .error(),
            errc::wrong_key_type);  // format 0 under an AES key
  EXPECT_EQ(hsm_->translate_pin({"bank_zpk3", 0}, pin_format::iso0, {"bank_zpk", 0},
                                pin_format::iso4, in, pan)
                .error(),
            errc::bad_input);  // the wrong incoming key: the block does not open
}

TEST_P(HsmBackend, ProtectsPansWithTokensAndCiphertext) {
  ASSERT_TRUE(hsm_->generate({"pan_token", key_type::pan_token, key_algorithm::hmac_sha256, 0}));
  ASSERT_TRUE(hsm_->generate({"pan_data", key_type::pan_data, key_algorithm::aes, 0}));
  const std::string_view pan = "4111111111111111";
  auto a = protect_pan(*hsm_, "pan_token", "pan_data", pan, testing::as_span("pay_1"));
  ASSERT_TRUE(a) << a.error().message();
  auto b = protect_pan(*hsm_, "pan_token", "pan_data", pan, testing::as_span("pay_2"));
  ASSERT_TRUE(b);
  EXPECT_EQ(a->token, b->token);  // deterministic: lookups and duplicate detection
  EXPECT_EQ(a->token.substr(0, 3), "v1.");
  EXPECT_EQ(a->token.find("4111"), std::string::npos);
  EXPECT_NE(a->ciphertext, b->ciphertext);
  auto clear = reveal_pan(*hsm_, "pan_data", a->ciphertext, testing::as_span("pay_1"));
  ASSERT_TRUE(clear) << clear.error().message();
  EXPECT_EQ(clear->text(), pan);
  EXPECT_EQ(reveal_pan(*hsm_, "pan_data", a->ciphertext, testing::as_span("pay_2")).error(),
            errc::verification_failed);

  ASSERT_TRUE(hsm_->rotate("pan_data"));
  EXPECT_TRUE(reveal_pan(*hsm_, "pan_data", a->ciphertext, testing::as_span("pay_1")));
  ASSERT_TRUE(hsm_->retire("pan_data", 1));
  EXPECT_EQ(reveal_pan(*hsm_, "pan_data", a->ciphertext, testing::as_span("pay_1")).error(),
            errc::key_missing);
  EXPECT_EQ(pan_token(*hsm_, {"pan_token", 0}, "41111").error(), errc::bad_input);
  EXPECT_EQ(pan_token(*hsm_, {"pan_data", 0}, pan).error(), errc::wrong_key_type);
}

TEST_P(HsmBackend, OperationsNameTheMissingOrMistypedKey) {
  ASSERT_TRUE(hsm_->generate({"secret", key_type::api_secret, key_algorithm::hmac_sha256, 0}));
  const std::array<std::string_view, 1> parts{"x"};
  EXPECT_EQ(hsm_->hmac({"missing", 0}, key_type::api_secret, parts).error(), errc::key_missing);
  EXPECT_EQ(hsm_->hmac({"secret", 9}, key_type::api_secret, parts).error(), errc::key_missing);
  EXPECT_EQ(hsm_->hmac({"secret", 0}, key_type::pan_token, parts).error(), errc::wrong_key_type);
  EXPECT_EQ(hsm_->mac({"secret", 0}, {}).error(), errc::wrong_key_type);
  EXPECT_EQ(hsm_->encrypt({"secret", 0}, testing::as_span("x"), {}).error(), errc::wrong_key_type);
  const std::string huge(limits::hsm_mac_input_size_max + 1, 'x');
  EXPECT_EQ(hsm_->mac({"secret", 0}, testing::as_span(huge)).error(), errc::bad_input);
}

TEST_P(HsmBackend, EveryOperationFailsCleanlyWhenTheNthFails) {
  ASSERT_TRUE(hsm_->generate({"tak", key_type::tak, key_algorithm::tdes, 0}));
  const auto message = testing::as_span("message");
  // verify_message_mac makes two backend calls (versions, mac): each failure surfaces as is.
  auto mac = *generate_message_mac(*hsm_, "tak", message);
  for (std::uint64_t n = 1; n <= 2; ++n) {
    hsm_->faults().fail_nth(n);
    EXPECT_EQ(verify_message_mac(*hsm_, "tak", message, mac).error(), errc::injected_failure);
  }
  hsm_->faults().fail_nth(0);
  EXPECT_TRUE(verify_message_mac(*hsm_, "tak", message, mac));
  hsm_->faults().fail_nth(1);
  EXPECT_EQ(hsm_->rotate("tak").error(), errc::injected_failure);
  EXPECT_EQ(hsm_->list()->size(), 1u);  // the failed rotation changed nothing
}

TEST_P(HsmBackend, SoftOnlyAlgorithmsAreRefusedPreciselyElsewhere) {
  auto sm4 = hsm_->generate({"tak_sm4", key_type::tak, key_algorithm::sm4, 0});
  if (GetParam() == "soft") {
    ASSERT_TRUE(sm4) << sm4.error().message();
    auto mac = hsm_->mac({"tak_sm4", 0}, testing::as_span("message"));
    EXPECT_TRUE(mac) << mac.error().message();
    EXPECT_TRUE(hsm_->generate({"sm3", key_type::api_secret, key_algorithm::hmac_sm3, 0}));
  } else {
    EXPECT_EQ(sm4.error(), errc::unsupported_algorithm);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HsmBackend, ::testing::ValuesIn(testing::available_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace sy::hsm
