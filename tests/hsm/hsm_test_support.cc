// Helpers of the HSM tests (hsm_test_support.h).
#include "tests/hsm/hsm_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "hsm/soft_backend.h"

namespace sy::hsm::testing {

std::vector<std::uint8_t> bytes(std::string_view hex_text) {
  auto b = from_hex(hex_text);
  if (!b) ADD_FAILURE() << "bad hex in test: " << hex_text;
  return b ? std::vector<std::uint8_t>(b->view().begin(), b->view().end())
           : std::vector<std::uint8_t>{};
}

std::string hex(std::span<const std::uint8_t> b) {
  return to_hex(b);
}

temp_dir::temp_dir(std::string_view tag) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("switchyard-hsm-" + std::string(tag) + "-XXXXXX"))
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<backend> make_backend(std::string_view kind, const temp_dir& dir) {
  if (kind == "soft") {
    const std::string path = dir.path() + "/keys";
    const std::string master(64, 'm');
    if (auto ec = soft_backend::create(path, master)) {
      ADD_FAILURE() << ec.message();
      return nullptr;
    }
    auto b = soft_backend::open(path, master);
    if (!b) {
      ADD_FAILURE() << b.error().message();
      return nullptr;
    }
    return std::move(*b);
  }
  ADD_FAILURE() << "unknown backend " << kind;
  return nullptr;
}

std::vector<std::string> available_backends() {
  return {"soft"};
}

}  // namespace sy::hsm::testing
