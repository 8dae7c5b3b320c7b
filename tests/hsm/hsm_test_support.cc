// Helpers of the HSM tests (hsm_test_support.h).
#include "tests/hsm/hsm_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "hsm/pkcs11_backend.h"
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

namespace {

constexpr const char* softhsm_module = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* softhsm_util = "/usr/bin/softhsm2-util";

// A SoftHSM2 token in `dir`: its own configuration (SOFTHSM2_CONF, read by the module at
// C_Initialize) with the token directory inside `dir`, initialised with softhsm2-util.
std::unique_ptr<backend> make_softhsm_backend(const temp_dir& dir) {
  const std::string conf = dir.path() + "/softhsm2.conf";
  std::filesystem::create_directories(dir.path() + "/tokens");
  std::ofstream(conf) << "directories.tokendir = " << dir.path() << "/tokens\n"
                      << "objectstore.backend = file\nlog.level = ERROR\n";
  ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  const std::string init = std::string(softhsm_util) +
                           " --init-token --free --label switchyard-test --pin 1234 "
                           "--so-pin 5678 >/dev/null";
  if (std::system(init.c_str()) != 0) {
    ADD_FAILURE() << "softhsm2-util --init-token failed";
    return nullptr;
  }
  config::pkcs11_settings settings;
  settings.module_path = softhsm_module;
  settings.token_label = "switchyard-test";
  settings.pin = config::secret(config::secret::source::inline_value, "<inline>", "1234");
  auto b = pkcs11_backend::open(settings);
  if (!b) {
    ADD_FAILURE() << b.error().message();
    return nullptr;
  }
  return std::move(*b);
}

}  // namespace

std::unique_ptr<backend> make_backend(std::string_view kind, const temp_dir& dir) {
  if (kind == "pkcs11") return make_softhsm_backend(dir);
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
  std::error_code ec;
  if (std::filesystem::exists(softhsm_module, ec) && std::filesystem::exists(softhsm_util, ec)) {
    return {"soft", "pkcs11"};
  }
  return {"soft"};
}

}  // namespace sy::hsm::testing
