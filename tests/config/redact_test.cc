// The card-number rule for echoed text.
#include "config/redact.h"

#include <gtest/gtest.h>

namespace sy {
namespace {

TEST(MaskDigitRuns, MasksEveryDigitRunOfCardNumberLength) {
  EXPECT_EQ(mask_digit_runs("pan 4111111111111111 and 5555555555554444"),
            "pan 411111******1111 and 555555******4444");
  EXPECT_EQ(mask_digit_runs("12345678901"), "12345678901");  // 11 digits: a BIN prefix
  EXPECT_EQ(mask_digit_runs("123456789012"), "123456**9012");
  EXPECT_EQ(mask_digit_runs("4111111111111111.x"), "411111******1111.x");
}

}  // namespace
}  // namespace sy
