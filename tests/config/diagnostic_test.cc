// Formatting of one diagnostic line and counting errors.
#include "config/diagnostic.h"

#include <gtest/gtest.h>

namespace sy::config {
namespace {

TEST(ConfigDiagnosticFormat, NamesFileLineColumnPathAndMessage) {
  const diagnostic d{severity::error,          "switchyard.toml",         42, 5,
                     "channels[2].timeout_ms", "0 is below the minimum 1"};
  EXPECT_EQ(to_string(d), "switchyard.toml:42:5: channels[2].timeout_ms: 0 is below the minimum 1");
}

TEST(ConfigDiagnosticFormat, MarksWarningsAndOmitsUnknownPosition) {
  const diagnostic d{severity::warning, "f.toml", 0, 0, "", "inline secret"};
  EXPECT_EQ(to_string(d), "f.toml: warning: inline secret");
  const diagnostic line_only{severity::error, "f.toml", 3, 0, "a", "b"};
  EXPECT_EQ(to_string(line_only), "f.toml:3: a: b");
}

TEST(ConfigDiagnosticFormat, CountsErrorsNotWarnings) {
  const std::vector<diagnostic> list{{severity::warning, "f", 1, 1, "", ""},
                                     {severity::error, "f", 2, 1, "", ""},
                                     {severity::error, "f", 3, 1, "", ""}};
  EXPECT_EQ(error_count(list), 2u);
}

}  // namespace
}  // namespace sy::config
