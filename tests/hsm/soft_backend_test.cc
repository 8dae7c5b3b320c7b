// What only the soft backend has: the encrypted key-store file, its master key, atomic rewrites.
#include "hsm/soft_backend.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "hsm/errc.h"
#include "tests/hsm/hsm_test_support.h"

namespace sy::hsm {
namespace {

const std::string master(48, 'k');

TEST(SoftBackend, KeysSurviveReopeningAndNeverAppearInTheFile) {
  testing::temp_dir dir("soft");
  const std::string path = dir.path() + "/keys";
  ASSERT_FALSE(soft_backend::create(path, master));
  EXPECT_EQ(soft_backend::create(path, master), errc::key_store_exists);
  const std::string material(64, 'e');  // 32 bytes of 0xEE
  {
    auto b = soft_backend::open(path, master);
    ASSERT_TRUE(b);
    ASSERT_TRUE((*b)->import_clear({"secret", key_type::api_secret, key_algorithm::hmac_sha256, 0},
                                   testing::bytes(material)));
    ASSERT_TRUE((*b)->rotate("secret"));
  }
  auto b = soft_backend::open(path, master);
  ASSERT_TRUE(b) << b.error().message();
  auto keys = (*b)->list();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_FALSE((*keys)[0].active);
  EXPECT_TRUE((*keys)[1].active);

  std::ifstream in(path, std::ios::binary);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(file.find(std::string(32, '\xee')), std::string::npos);
  EXPECT_EQ(file.find("secret"), std::string::npos);  // names are encrypted too
}

TEST(SoftBackend, WrongMasterKeyAndDamageAreTold) {
  testing::temp_dir dir("soft");
  const std::string path = dir.path() + "/keys";
  EXPECT_EQ(soft_backend::open(path, master).error(), errc::key_store_missing);
  ASSERT_FALSE(soft_backend::create(path, master));
  EXPECT_EQ(soft_backend::open(path, std::string(48, 'x')).error(), errc::wrong_master_key);
  {
    // Flip a bit: writing a fixed value would change nothing when the byte already held it.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(30);
    const char was = static_cast<char>(f.get());
    f.seekp(30);
    f.put(static_cast<char>(was ^ 0x01));
  }
  EXPECT_EQ(soft_backend::open(path, master).error(), errc::wrong_master_key);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "not a key store";
  EXPECT_EQ(soft_backend::open(path, master).error(), errc::key_store_corrupt);
}

TEST(SoftBackend, AnotherProcessesChangesAreKeptWhenThisOneChangesTheStore) {
  testing::temp_dir dir("soft");
  const std::string path = dir.path() + "/keys";
  ASSERT_FALSE(soft_backend::create(path, master));
  auto first = soft_backend::open(path, master);
  auto second = soft_backend::open(path, master);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE((*first)->generate({"a", key_type::tak, key_algorithm::tdes, 0}));
  ASSERT_TRUE((*second)->generate({"b", key_type::tak, key_algorithm::tdes, 0}));
  auto reopened = soft_backend::open(path, master);
  EXPECT_EQ((*reopened)->list()->size(), 2u);
}

}  // namespace
}  // namespace sy::hsm
