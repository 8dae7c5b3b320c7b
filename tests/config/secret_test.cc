// Secret references: env:NAME and file:PATH resolved at load, inline values only with a
// warning, and a secret's value never in a diagnostic.
#include "config/secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/limits.h"
#include "tests/config/test_support.h"

namespace sy::config {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;

// A configuration whose only secret is the master key `reference`.
std::string with_master_key(const std::string& reference) {
  return "[tls]\ncertificate_path = \"c\"\nkey_path = \"k\"\n[hsm]\nbackend = \"soft\"\n"
         "[hsm.soft]\nkey_store_path = \"keys\"\nmaster_key = " +
         reference + "\n";
}

class SecretFiles : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // One directory per process and test: ctest runs tests (and CI other builds) in parallel.
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("sy_config_secret_test-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
};

TEST(ConfigSecret, ResolvesEnvReference) {
  const auto outcome = test::load(with_master_key("\"env:MASTER\""));
  ASSERT_TRUE(outcome.ok());
  const secret& s = outcome.config->hsm.soft.master_key;
  EXPECT_EQ(s.origin(), secret::source::env);
  EXPECT_EQ(s.reference(), "env:MASTER");
  EXPECT_EQ(s.value(), test::long_secret);
}

TEST(ConfigSecret, ReportsUnsetAndEmptyEnvironmentVariables) {
  auto outcome = test::load(with_master_key("\"env:NOT_SET\""));
  EXPECT_THAT(
      test::lines(outcome),
      Contains("t.toml:8:14: hsm.soft.master_key: environment variable NOT_SET is not set"));
  outcome = test::load(with_master_key("\"env:EMPTY\""));
  EXPECT_THAT(test::lines(outcome),
              Contains(HasSubstr("hsm.soft.master_key: environment variable EMPTY is empty")));
  outcome = test::load(with_master_key("\"env:BAD-NAME\""));
  EXPECT_THAT(test::lines(outcome),
              Contains(HasSubstr("\"env:BAD-NAME\" does not name an environment variable")));
}

TEST(ConfigSecret, RejectsSecretShorterThanMinimumWithoutShowingIt) {
  const auto outcome = test::load(with_master_key("\"env:PIN\""));
  EXPECT_THAT(test::lines(outcome),
              Contains(HasSubstr("hsm.soft.master_key: the secret from env:PIN is shorter than the "
                                 "minimum 32 bytes")));
  EXPECT_THAT(test::lines(outcome), Each(Not(HasSubstr("1234"))));
}

TEST(ConfigSecret, AcceptsInlineSecretWithAWarning) {
  const auto outcome = test::load(with_master_key("\"" + test::long_secret + "\""));
  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_EQ(outcome.diagnostics[0].level, severity::warning);
  EXPECT_THAT(test::lines(outcome)[0],
              HasSubstr("t.toml:8:14: warning: hsm.soft.master_key: inline secret"));
  EXPECT_THAT(test::lines(outcome)[0], Not(HasSubstr(test::long_secret)));
  EXPECT_EQ(outcome.config->hsm.soft.master_key.reference(), "<inline>");
}

TEST(ConfigSecret, NeverEchoesASecretOfTheWrongType) {
  const auto outcome = test::load(with_master_key("987654321"));
  EXPECT_THAT(test::lines(outcome),
              Contains(HasSubstr("hsm.soft.master_key: found an integer, expected")));
  EXPECT_THAT(test::lines(outcome), Each(Not(HasSubstr("987654321"))));
}

TEST_F(SecretFiles, ResolvesFileReferenceWithoutTrailingNewline) {
  const auto path = write("master", test::long_secret + "\n");
  const auto outcome = test::load(with_master_key("\"file:" + path + "\""));
  ASSERT_TRUE(outcome.ok()) << ::testing::PrintToString(test::lines(outcome));
  EXPECT_EQ(outcome.config->hsm.soft.master_key.value(), test::long_secret);
  EXPECT_EQ(outcome.config->hsm.soft.master_key.reference(), "file:" + path);
  EXPECT_EQ(outcome.config->hsm.soft.master_key.origin(), secret::source::file);
}

TEST_F(SecretFiles, ReportsMissingEmptyAndOversizedFiles) {
  auto outcome = test::load(with_master_key("\"file:" + (dir_ / "none").string() + "\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("none is not a readable regular file")));

  outcome = test::load(with_master_key("\"file:" + dir_.string() + "\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("is not a readable regular file")));

  outcome = test::load(with_master_key("\"file:" + write("empty", "\n") + "\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("empty is empty")));

  const auto big = write("big", std::string(limits::secret_file_size_max + 1, 'x'));
  outcome = test::load(with_master_key("\"file:" + big + "\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("is larger than the maximum 65536 bytes")));

  outcome = test::load(with_master_key("\"file:\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("\"file:\" needs a path")));
}

TEST_F(SecretFiles, RefusesAFifoInsteadOfBlocking) {
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto outcome = test::load(with_master_key("\"file:" + fifo + "\""));
  EXPECT_THAT(test::lines(outcome), Contains(HasSubstr("fifo is not a readable regular file")));
}

TEST(ConfigSecret, ResolvesApiKeySecretsPerKey) {
  const auto outcome =
      test::load(test::minimal + test::shop_merchant +
                 "[[merchants.api_keys]]\nid = \"k2\"\nsecret = \"env:MISSING\"\n");
  EXPECT_THAT(test::lines(outcome),
              Contains(HasSubstr("merchants[0].api_keys[1].secret: environment variable MISSING "
                                 "is not set")));
}

}  // namespace
}  // namespace sy::config
