// Shared helpers of the HSM tests: hex in and out, the published test keys and vectors, and the
// backends the shared suite runs against (a soft key store or a SoftHSM2 token in a temp dir).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hsm/backend.h"
#include "hsm/primitives.h"

namespace sy::hsm::testing {

// ISO 9797-1's example key K || K' (also the usual 3DES test key).
inline constexpr std::string_view tdes_test_key = "0123456789ABCDEFFEDCBA9876543210";

inline constexpr std::string_view rfc4231_case6_data =
    "Test Using Larger Than Block-Size Key - Hash Key First";
inline constexpr std::string_view rfc4231_case6_mac =
    "60E431591EE0B67F0D8A26AACBF5B77F8E0BC6213728C5140546040F0EE37F54";
inline constexpr std::string_view rfc4231_case7_data =
    "This is a test using a larger than block-size key and a larger than block-size data. The "
    "key needs to be hashed before being used by the HMAC algorithm.";
inline constexpr std::string_view rfc4231_case7_mac =
    "9B09FFA71B942FCB27635FBCD5B0E944BFDC63644F0713938A7F51535C3A35E2";

std::vector<std::uint8_t> bytes(std::string_view hex_text);
std::string hex(std::span<const std::uint8_t> b);
inline std::span<const std::uint8_t> as_span(std::string_view s) {
  return hsm::as_bytes(s);
}

// A scratch directory removed with the object.
class temp_dir {
 public:
  explicit temp_dir(std::string_view tag);
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// A fresh, empty backend of `kind` ("soft" or "pkcs11") living in `dir`.
std::unique_ptr<backend> make_backend(std::string_view kind, const temp_dir& dir);

// The backends this machine can run the suite against ("pkcs11" only with SoftHSM2 installed).
std::vector<std::string> available_backends();

}  // namespace sy::hsm::testing
