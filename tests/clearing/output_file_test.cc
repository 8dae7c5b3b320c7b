// Clearing's file output: RFC 4180 fields, the atomic write and its sha256sum companion, and a
// temporary file that never outlives an unpublished output.
#include "clearing/output_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sy::clearing {
namespace {

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sy-output-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name);
    std::stringstream body;
    body << in.rdbuf();
    return body.str();
  }
  std::size_t entry_count() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_),
                                                  std::filesystem::directory_iterator()));
  }

  std::filesystem::path dir_;
};

TEST(CsvField, QuotesPerRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_field(""), "");
}

TEST(CsvField, RowQuotesOnlyTheFieldsThatNeedIt) {
  std::string out = "before\n";
  append_csv_row(out, {"D", "", "12", "ev_1"});
  EXPECT_EQ(out, "before\nD,,12,ev_1\n");
  append_csv_row(out, {"D", "a,b", "say \"hi\"", "x"});
  EXPECT_EQ(out, "before\nD,,12,ev_1\nD,\"a,b\",\"say \"\"hi\"\"\",x\n");
}

TEST_F(OutputFile, WritesTheFileAndItsSha256Companion) {
  const auto written = write_file_atomically(dir_.string(), "a.csv", "rrn\n");
  ASSERT_TRUE(written) << written.error().message();
  EXPECT_EQ(*written, (dir_ / "a.csv").string());
  EXPECT_EQ(read("a.csv"), "rrn\n");
  // sha256sum's own output for the same four bytes.
  EXPECT_EQ(read("a.csv.sha256"),
            "43d6184f215de1af8c4abf4562bf04c64fd469ac03de58c843b6bda332459367  a.csv\n");
  EXPECT_EQ(read_sha256_companion(dir_.string(), "a.csv"),
            "43d6184f215de1af8c4abf4562bf04c64fd469ac03de58c843b6bda332459367");
  EXPECT_EQ(entry_count(), 2u);  // no temporary file left behind
}

TEST_F(OutputFile, DigestCoversEveryBufferedWrite) {
  auto file = output_file::create(dir_.string(), "big.csv", "t1");
  ASSERT_TRUE(file);
  std::string expected;
  const std::string row(1000, 'x');
  for (int i = 0; i < 3000; ++i) {  // three MiB: several buffer flushes
    file->write(row);
    expected += row;
  }
  ASSERT_TRUE(file->finish());
  EXPECT_EQ(file->sha256(), hsm::sha256_hex(expected));
  EXPECT_EQ(file->size(), expected.size());
  ASSERT_TRUE(file->publish());
  EXPECT_EQ(read("big.csv"), expected);
}

TEST_F(OutputFile, DigestCoversEveryHandOverToItsIoThread) {
  // A small cap, so that hand-overs wait for the thread to catch up.
  file_io io(3000);
  auto a = output_file::create(dir_.string(), "a.csv", "t1", &io);
  auto b = output_file::create(dir_.string(), "b.csv", "t1", &io);
  ASSERT_TRUE(a && b);
  std::string expected_a;
  std::string expected_b;
  const std::string row(1000, 'x');
  for (int i = 0; i < 3000; ++i) {
    a->write(row);
    expected_a += row;
    const std::string owned = std::to_string(i) + "\n";
    b->write_owned(owned);
    expected_b += owned;
    if (i % 1000 == 0) {
      b->write("buffered,");
      expected_b += "buffered,";
    }
  }
  b->write_owned(std::string(5000, 'y'));  // larger than the cap: goes alone
  expected_b += std::string(5000, 'y');
  ASSERT_TRUE(a->finish());
  ASSERT_TRUE(b->finish());
  EXPECT_EQ(a->sha256(), hsm::sha256_hex(expected_a));
  EXPECT_EQ(b->sha256(), hsm::sha256_hex(expected_b));
  EXPECT_EQ(b->size(), expected_b.size());
  ASSERT_TRUE(a->publish());
  ASSERT_TRUE(b->publish());
  EXPECT_EQ(read("a.csv"), expected_a);
  EXPECT_EQ(read("b.csv"), expected_b);
}

TEST_F(OutputFile, UnpublishedOutputWithBytesInFlightLeavesNothing) {
  file_io io(std::size_t{64} << 20);
  {
    auto file = output_file::create(dir_.string(), "gone.csv", "t1", &io);
    ASSERT_TRUE(file);
    for (int i = 0; i < 8; ++i) file->write_owned(std::string(std::size_t{1} << 20, 'z'));
    auto moved = std::move(*file);  // the bytes in flight follow the move
    moved.write("partial");
  }
  EXPECT_EQ(entry_count(), 0u);
}

TEST_F(OutputFile, UnpublishedOutputLeavesNothing) {
  {
    auto file = output_file::create(dir_.string(), "gone.csv", "t1");
    ASSERT_TRUE(file);
    file->write("partial");
    EXPECT_EQ(entry_count(), 1u);
  }
  EXPECT_EQ(entry_count(), 0u);
}

TEST_F(OutputFile, MissingDirectoryIsAnError) {
  EXPECT_FALSE(write_file_atomically((dir_ / "missing").string(), "a.csv", "x"));
  EXPECT_FALSE(output_file::create((dir_ / "missing").string(), "a.csv", "t"));
}

TEST_F(OutputFile, CompanionInAnotherFormatReadsAsNone) {
  ASSERT_TRUE(write_file_atomically(dir_.string(), "a.csv.sha256", "not a digest\n"));
  EXPECT_EQ(read_sha256_companion(dir_.string(), "a.csv"), "");
  EXPECT_EQ(read_sha256_companion(dir_.string(), "absent.csv"), "");
}

}  // namespace
}  // namespace sy::clearing
