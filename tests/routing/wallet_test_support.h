// Shared by the wallet channel's tests: a soft HSM in a temporary directory holding the channel's
// signing key, and the same secret as the wallet simulator's configuration takes it (hex).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "hsm/primitives.h"
#include "hsm/soft_backend.h"

namespace sy::routing::testing {

inline constexpr std::string_view wallet_key = "wallet-key";
// 32 bytes of 0x5A in hex: the channel key's material and the simulator's `secret`.
inline const std::string wallet_secret_hex(64, '5');
inline const std::string other_secret_hex(64, '7');

class wallet_hsm {
 public:
  explicit wallet_hsm(const std::string& secret_hex = wallet_secret_hex)
      : dir_(std::filesystem::temp_directory_path() /
             ("sy-wallet-" + std::to_string(::getpid()) + "-" + std::to_string(next_++))) {
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "keys").string();
    const std::string master(48, 'm');
    EXPECT_FALSE(hsm::soft_backend::create(path, master));
    auto opened = hsm::soft_backend::open(path, master);
    EXPECT_TRUE(opened);
    backend_ = std::move(*opened);
    const auto material = hsm::from_hex(secret_hex);
    EXPECT_TRUE(backend_->import_clear(
        {std::string(wallet_key), hsm::key_type::api_secret, hsm::key_algorithm::hmac_sha256, 0},
        {material->data(), material->size()}));
  }
  ~wallet_hsm() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  wallet_hsm(const wallet_hsm&) = delete;
  wallet_hsm& operator=(const wallet_hsm&) = delete;

  hsm::backend& backend() { return *backend_; }

 private:
  static inline int next_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<hsm::soft_backend> backend_;
};

}  // namespace sy::routing::testing
