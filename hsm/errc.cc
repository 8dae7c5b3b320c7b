// The error categories of the HSM module: messages of hsm::errc and names of PKCS#11 CKR_* codes.
#include "hsm/errc.h"

#include <cstdio>
#include <string>

namespace sy::hsm {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class hsm_errors final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.hsm"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::key_missing:
        return "key not found";
      case errc::wrong_key_type:
        return "key is of the wrong type for this operation";
      case errc::unsupported_algorithm:
        return "algorithm not supported by this backend";
      case errc::bad_key_spec:
        return "invalid key name, type, algorithm or size";
      case errc::bad_kcv:
        return "key check value does not match";
      case errc::key_exists:
        return "a key with this name already exists";
      case errc::version_limit:
        return "too many versions of this key; retire old versions first";
      case errc::active_version:
        return "the active version of a key cannot be retired";
      case errc::bad_input:
        return "malformed operation input";
      case errc::verification_failed:
        return "verification failed";
      case errc::key_store_missing:
        return "key store does not exist (run `switchyard keys init`)";
      case errc::key_store_exists:
        return "key store already exists";
      case errc::key_store_corrupt:
        return "key store file is damaged or not a key store";
      case errc::wrong_master_key:
        return "key store does not decrypt under this master key";
      case errc::key_store_io:
        return "key store cannot be read or written";
      case errc::token_missing:
        return "PKCS#11 token not found";
      case errc::crypto_failure:
        return "cryptographic library failure";
      case errc::injected_failure:
        return "failure injected by a fault plan";
    }
    return "unknown hsm error";
  }
};

class pkcs11_errors final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.pkcs11"; }

  std::string message(int value) const override {
    // The codes operators meet most; the rest are shown as numbers to look up in the standard.
    switch (static_cast<unsigned long>(value)) {
      case 0x05:
        return "CKR_GENERAL_ERROR";
      case 0x06:
        return "CKR_FUNCTION_FAILED";
      case 0x30:
        return "CKR_DEVICE_ERROR";
      case 0x31:
        return "CKR_DEVICE_MEMORY";
      case 0x32:
        return "CKR_DEVICE_REMOVED";
      case 0x60:
        return "CKR_KEY_HANDLE_INVALID";
      case 0x62:
        return "CKR_KEY_SIZE_RANGE";
      case 0x63:
        return "CKR_KEY_TYPE_INCONSISTENT";
      case 0x68:
        return "CKR_KEY_FUNCTION_NOT_PERMITTED";
      case 0x70:
        return "CKR_MECHANISM_INVALID";
      case 0xA0:
        return "CKR_PIN_INCORRECT";
      case 0xA4:
        return "CKR_PIN_LOCKED";
      case 0xB3:
        return "CKR_SESSION_HANDLE_INVALID";
      case 0xE0:
        return "CKR_TOKEN_NOT_PRESENT";
      case 0x101:
        return "CKR_USER_NOT_LOGGED_IN";
      case 0x150:
        return "CKR_BUFFER_TOO_SMALL";
      case 0x190:
        return "CKR_CRYPTOKI_NOT_INITIALIZED";
    }
    char text[32];
    std::snprintf(text, sizeof text, "CKR 0x%lx", static_cast<unsigned long>(value));
    return text;
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& hsm_category() noexcept {
  static const hsm_errors instance;
  return instance;
}

const boost::system::error_category& pkcs11_category() noexcept {
  static const pkcs11_errors instance;
  return instance;
}

}  // namespace sy::hsm
