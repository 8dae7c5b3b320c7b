// A request's nonce rides in its first unit, or is written alone before its answer; either way
// once, and a used nonce is told apart from the unit's own refusals. Against a real store.
#include "gateway/nonce_claim.h"

#include <gtest/gtest.h>

#include <chrono>

#include "../clearing/store_test_support.h"
#include "clearing/book.h"
#include "clearing/store/errc.h"

namespace sy::gateway {
namespace {

using namespace std::chrono_literals;
namespace store = clearing::store;

constexpr std::uint8_t test_kind = 0x7e;

const auto expires =
    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + 600s;

nonce_claim claim_of(std::string_view nonce) {
  return nonce_claim(clearing::remember_nonce("key_1", nonce, expires));
}

store::unit_of_work payment_put(std::string key) {
  store::unit_of_work u;
  u.ops.push_back(store::operation::put(clearing::store::table::payments, std::move(key), test_kind,
                                        "payload", store::require::absent));
  return u;
}

class NonceClaim : public store::test::store_fixture {
 protected:
  store::commit_outcome run(store::unit_of_work unit) {
    return store::commit_and_wait(*writer_, std::move(unit));
  }
};

TEST_F(NonceClaim, TheFirstUnitCarriesItAndLaterUnitsDoNot) {
  auto claim = claim_of("nonce-0000000000000001");
  const auto carried = claim.carry(payment_put("p-1"));
  const auto own_ops = clearing::remember_nonce("key_1", "x", expires).ops.size();
  ASSERT_EQ(carried.ops.size(), own_ops + 1);
  EXPECT_EQ(carried.ops.back().key, "p-1");
  EXPECT_FALSE(run(carried).error);
  // Carried and committed: nothing is left to write, and the next unit goes as it is.
  EXPECT_FALSE(claim.take().has_value());
  EXPECT_EQ(claim.carry(payment_put("p-2")).ops.size(), 1u);
  // The same nonce again, alone: refused as used.
  auto replay = claim_of("nonce-0000000000000001");
  auto alone = replay.take();
  ASSERT_TRUE(alone.has_value());
  const auto outcome = run(std::move(*alone));
  EXPECT_EQ(outcome.error, store::errc::key_exists);
  EXPECT_TRUE(replay.refused(outcome));
}

TEST_F(NonceClaim, AUsedNonceRefusesTheUnitCarryingItAndNothingOfItIsWritten) {
  auto first = claim_of("nonce-0000000000000002");
  ASSERT_FALSE(run(*first.take()).error);
  auto second = claim_of("nonce-0000000000000002");
  const auto outcome = run(second.carry(payment_put("p-3")));
  EXPECT_EQ(outcome.error, store::errc::key_exists);
  EXPECT_TRUE(second.refused(outcome));
  EXPECT_FALSE(second.take().has_value());  // used: never written again
  EXPECT_FALSE(run(payment_put("p-3")).error) << "the refused unit wrote its payment";
}

TEST_F(NonceClaim, AUnitRefusedForItsOwnReasonLeavesTheNonceToBeWrittenAlone) {
  ASSERT_FALSE(run(payment_put("p-4")).error);
  auto claim = claim_of("nonce-0000000000000003");
  const auto outcome = run(claim.carry(payment_put("p-4")));
  EXPECT_EQ(outcome.error, store::errc::key_exists);
  EXPECT_FALSE(claim.refused(outcome));
  auto alone = claim.take();
  ASSERT_TRUE(alone.has_value());
  EXPECT_FALSE(run(std::move(*alone)).error);
  EXPECT_FALSE(claim.take().has_value());
  auto replay = claim_of("nonce-0000000000000003");
  EXPECT_TRUE(replay.refused(run(*replay.take())));
}

TEST_F(NonceClaim, AUnitThatNeverReachedTheWriterLeavesTheNonceToBeWritten) {
  auto claim = claim_of("nonce-0000000000000004");
  (void)claim.carry(payment_put("p-5"));
  claim.unsubmitted();
  auto alone = claim.take();
  ASSERT_TRUE(alone.has_value());
  EXPECT_FALSE(run(std::move(*alone)).error);
}

}  // namespace
}  // namespace sy::gateway
