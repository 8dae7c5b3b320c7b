// Error codes of the HSM module, wired into boost::system::error_code: HSM outcomes (sy.hsm) and
// the PKCS#11 module's own return values (sy.pkcs11), which keep the exact CKR_* value.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sy::hsm {

enum class errc {
  key_missing = 1,        // no key (or no such version) under the name
  wrong_key_type,         // the key exists but is not of the type the operation needs
  unsupported_algorithm,  // the backend or OpenSSL cannot run this algorithm
  bad_key_spec,           // name, type, algorithm and size do not make a valid key
  bad_kcv,                // an imported key's check value is not the one given
  key_exists,             // generate or import under a name whose type differs / exists
  version_limit,          // the name already has limits::hsm_key_version_count_max versions
  active_version,         // the newest version cannot be retired; rotate first
  bad_input,              // malformed operation input: PAN, PIN block, ciphertext, lengths
  verification_failed,    // a signature, MAC or ciphertext did not verify under any version
  key_store_missing,      // the soft key-store file does not exist (`switchyard keys init`)
  key_store_exists,       // `keys init` found a key store already there
  key_store_corrupt,      // the key-store file is not a key store of this version
  wrong_master_key,       // the key store does not decrypt under this master key
  key_store_io,           // reading or writing the key-store file failed
  token_missing,          // no PKCS#11 token in the configured slot or with the label
  crypto_failure,         // OpenSSL refused an operation that should succeed
  injected_failure,       // a fault_plan failed this operation on purpose (tests)
};

const boost::system::error_category& hsm_category() noexcept;

// Failures reported by a PKCS#11 module (device errors): the value is the CKR_* code.
const boost::system::error_category& pkcs11_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), hsm_category()};
}

inline boost::system::error_code make_pkcs11_error(unsigned long rv) noexcept {
  return {static_cast<int>(rv), pkcs11_category()};
}

inline bool is_device_error(const boost::system::error_code& ec) noexcept {
  return ec.category() == pkcs11_category();
}

}  // namespace sy::hsm

template <>
struct boost::system::is_error_code_enum<sy::hsm::errc> : std::true_type {};
