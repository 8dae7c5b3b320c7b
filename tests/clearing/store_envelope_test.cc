// Tests of the record envelope (byte layout, checksum coverage) and request fingerprints.
#include "clearing/store/envelope.h"

#include <gtest/gtest.h>

#include <string>

#include "clearing/store/errc.h"
#include "clearing/store/fingerprint.h"

namespace sy::clearing::store {
namespace {

TEST(StoreEnvelope, RoundTripsKindAndPayload) {
  const std::string sealed = seal(table::payments, "pay_1", 7, "state bytes");
  ASSERT_EQ(sealed.size(), envelope_size(11));
  auto rec = unseal(table::payments, "pay_1", sealed);
  ASSERT_TRUE(rec.has_value()) << rec.error().message();
  EXPECT_EQ(rec->kind, 7);
  EXPECT_EQ(rec->payload, "state bytes");
}

TEST(StoreEnvelope, HeaderHasTheDocumentedLittleEndianLayout) {
  const std::string sealed = seal(table::journal, "k", 0x42, std::string(0x0102, 'x'));
  EXPECT_EQ(static_cast<unsigned char>(sealed[0]), envelope_format);
  EXPECT_EQ(static_cast<unsigned char>(sealed[1]), 0x42);
  EXPECT_EQ(sealed[2], 0);
  EXPECT_EQ(sealed[3], 0);
  EXPECT_EQ(static_cast<unsigned char>(sealed[4]), 0x02);
  EXPECT_EQ(static_cast<unsigned char>(sealed[5]), 0x01);
  EXPECT_EQ(sealed[6], 0);
  EXPECT_EQ(sealed[7], 0);
  EXPECT_EQ(sealed.substr(envelope_header_size), std::string(0x0102, 'x'));
}

TEST(StoreEnvelope, AcceptsAnEmptyPayload) {
  const std::string sealed = seal(table::nonces, "n", 1, "");
  auto rec = unseal(table::nonces, "n", sealed);
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->payload.empty());
}

TEST(StoreEnvelope, DetectsEverySingleBitFlip) {
  const std::string sealed = seal(table::idempotency, "m1:key-1", 3, "stored response body");
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string damaged = sealed;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_EQ(unseal(table::idempotency, "m1:key-1", damaged).error(), errc::corrupt_record)
        << "bit " << bit;
  }
}

TEST(StoreEnvelope, DetectsAValueCopiedUnderAnotherKeyOrTable) {
  const std::string sealed = seal(table::payments, "pay_1", 1, "payload");
  EXPECT_EQ(unseal(table::payments, "pay_2", sealed).error(), errc::corrupt_record);
  EXPECT_EQ(unseal(table::events, "pay_1", sealed).error(), errc::corrupt_record);
}

TEST(StoreEnvelope, DetectsTruncationAndExtension) {
  const std::string sealed = seal(table::saf, "s1", 1, "reversal");
  for (std::size_t size = 0; size < sealed.size(); ++size) {
    EXPECT_EQ(unseal(table::saf, "s1", sealed.substr(0, size)).error(), errc::corrupt_record)
        << "size " << size;
  }
  EXPECT_EQ(unseal(table::saf, "s1", sealed + "x").error(), errc::corrupt_record);
}

TEST(StoreFingerprint, IsStableForTheSameRequest) {
  EXPECT_EQ(fingerprint("POST", "/v1/payments", "{\"amount\":100}"),
            fingerprint("POST", "/v1/payments", "{\"amount\":100}"));
}

TEST(StoreFingerprint, DiffersWhenMethodPathOrBodyDiffers) {
  const fingerprint128 base = fingerprint("POST", "/v1/payments", "{}");
  EXPECT_NE(base, fingerprint("PUT", "/v1/payments", "{}"));
  EXPECT_NE(base, fingerprint("POST", "/v1/refunds", "{}"));
  EXPECT_NE(base, fingerprint("POST", "/v1/payments", "{ }"));
}

TEST(StoreFingerprint, FieldBoundariesMatter) {
  EXPECT_NE(fingerprint("GET", "/a", ""), fingerprint("GE", "T/a", ""));
  EXPECT_NE(fingerprint("POST", "/x", "y"), fingerprint("POST", "/xy", ""));
}

}  // namespace
}  // namespace sy::clearing::store
