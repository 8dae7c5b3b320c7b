// Key-store file format, version 1:
//   "SYKEYS01" || nonce (12) || AES-256-GCM(records) || tag (16), the magic as associated data;
//   records: u32 count, then per key: u8 name size, name, u32 version, u8 type, u8 algorithm,
//   i64 created_s, u16 material size, material (integers big-endian).
#include "hsm/detail/key_store_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "config/limits.h"
#include "hsm/errc.h"
#include "hsm/primitives.h"

namespace sy::hsm::detail {
namespace {

constexpr std::string_view magic = "SYKEYS01";
// Separates this use of the master secret from any other (RFC 5869, section 3.2).
constexpr std::string_view hkdf_info = "switchyard soft key store v1";

error_code fail(errc e) {
  return make_error_code(e);
}

class writer {
 public:
  explicit writer(secure_bytes& out) : out_(out) {}
  void put(std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out_.data()[at_++] = static_cast<std::uint8_t>(value >> (8 * i));
  }
  void put(bytes_view b) {
    std::copy(b.begin(), b.end(), out_.data() + at_);
    at_ += b.size();
  }

 private:
  secure_bytes& out_;
  std::size_t at_ = 0;
};

class reader {
 public:
  explicit reader(bytes_view in) : in_(in) {}
  bool get(std::uint64_t& value, int bytes) {
    if (in_.size() - at_ < static_cast<std::size_t>(bytes)) return false;
    value = 0;
    for (int i = 0; i < bytes; ++i) value = value << 8 | in_[at_++];
    return true;
  }
  bool get(std::size_t size, bytes_view& out) {
    if (in_.size() - at_ < size) return false;
    out = in_.subspan(at_, size);
    at_ += size;
    return true;
  }
  bool done() const noexcept { return at_ == in_.size(); }

 private:
  bytes_view in_;
  std::size_t at_ = 0;
};

std::size_t record_size(const stored_key& k) {
  return 1 + k.info.name.size() + 4 + 1 + 1 + 8 + 2 + k.material.size();
}

// One record, checked as it is read: names, enums and sizes as normalize() would accept them.
bool read_record(reader& r, stored_key& k) {
  std::uint64_t name_size = 0, version = 0, type = 0, algorithm = 0, created = 0, size = 0;
  bytes_view name, material;
  if (!r.get(name_size, 1) || !r.get(name_size, name) || !r.get(version, 4) || !r.get(type, 1) ||
      !r.get(algorithm, 1) || !r.get(created, 8) || !r.get(size, 2) || !r.get(size, material)) {
    return false;
  }
  key_spec spec{std::string(reinterpret_cast<const char*>(name.data()), name.size()),
                static_cast<key_type>(type), static_cast<key_algorithm>(algorithm), size};
  const auto type_ok = key_type_from_string(to_string(spec.type));
  const auto algorithm_ok = key_algorithm_from_string(to_string(spec.algorithm));
  if (!type_ok || !algorithm_ok || !normalize(spec) || version == 0 ||
      version > std::numeric_limits<std::uint32_t>::max()) {
    return false;
  }
  k.info.name = std::move(spec.name);
  k.info.version = static_cast<std::uint32_t>(version);
  k.info.type = spec.type;
  k.info.algorithm = spec.algorithm;
  k.info.size = size;
  k.info.created_s = static_cast<std::int64_t>(created);
  k.material = secure_bytes(material);
  auto check = primitives::kcv(k.info.algorithm, k.material.view());
  k.info.kcv = check ? *check : "------";  // an algorithm this OpenSSL lacks: no check value
  return true;
}

result<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno == ENOENT ? errc::key_store_missing : errc::key_store_io);
  struct stat st {};
  std::string data;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<std::size_t>(st.st_size) <= limits::hsm_key_store_size_max;
  if (ok) {
    data.resize(static_cast<std::size_t>(st.st_size));
    std::size_t at = 0;
    while (ok && at < data.size()) {
      const ssize_t n = ::read(fd, data.data() + at, data.size() - at);
      ok = n > 0 || (n < 0 && errno == EINTR);
      if (n > 0) at += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (!ok) return fail(errc::key_store_io);
  return data;
}

bool write_all(int fd, bytes_view data) {
  std::size_t at = 0;
  while (at < data.size()) {
    const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// Makes a rename durable: the directory entry is fsync'd too.
bool sync_directory(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

result<secure_bytes> key_store_file::derive_key(std::string_view master_secret) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return fail(errc::crypto_failure);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return fail(errc::crypto_failure);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(master_secret.data()),
                                        master_secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(hkdf_info.data()),
                                        hkdf_info.size()),
      OSSL_PARAM_construct_end()};
  secure_bytes key(32);
  const bool ok = EVP_KDF_derive(ctx, key.data(), key.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) return fail(errc::crypto_failure);
  return key;
}

result<std::vector<stored_key>> key_store_file::load(const std::string& path,
                                                     const secure_bytes& key) {
  auto data = read_file(path);
  if (!data) return data.error();
  const bytes_view file = as_bytes(*data);
  if (file.size() < magic.size() + gcm_nonce_size + gcm_tag_size ||
      !std::equal(magic.begin(), magic.end(), data->begin())) {
    return fail(errc::key_store_corrupt);
  }
  auto records = primitives::gcm_open(key.view(), file.subspan(magic.size()), as_bytes(magic));
  if (!records) {
    return fail(records.error() == errc::verification_failed ? errc::wrong_master_key
                : records.error() == errc::bad_input         ? errc::key_store_corrupt
                                                             : errc::crypto_failure);
  }
  reader r(records->view());
  std::uint64_t count = 0;
  if (!r.get(count, 4) || count > limits::hsm_key_count_max) return fail(errc::key_store_corrupt);
  std::vector<stored_key> keys(static_cast<std::size_t>(count));
  for (auto& k : keys) {
    if (!read_record(r, k)) return fail(errc::key_store_corrupt);
  }
  if (!r.done()) return fail(errc::key_store_corrupt);
  return keys;
}

error_code key_store_file::save(const std::string& path, const secure_bytes& key,
                                std::span<const stored_key> keys) {
  if (keys.size() > limits::hsm_key_count_max) return fail(errc::version_limit);
  std::size_t size = 4;
  for (const auto& k : keys) size += record_size(k);
  secure_bytes records(size);
  writer w(records);
  w.put(keys.size(), 4);
  for (const auto& k : keys) {
    w.put(k.info.name.size(), 1);
    w.put(as_bytes(k.info.name));
    w.put(k.info.version, 4);
    w.put(static_cast<std::uint64_t>(k.info.type), 1);
    w.put(static_cast<std::uint64_t>(k.info.algorithm), 1);
    w.put(static_cast<std::uint64_t>(k.info.created_s), 8);
    w.put(k.material.size(), 2);
    w.put(k.material.view());
  }
  auto sealed = primitives::gcm_seal(key.view(), records.view(), as_bytes(magic));
  if (!sealed) return sealed.error();
  std::string temp = path + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // mode 0600: only the switch's user reads keys
  if (fd < 0) return fail(errc::key_store_io);
  const bool written = write_all(fd, as_bytes(magic)) && write_all(fd, *sealed) && ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return fail(errc::key_store_io);
  }
  if (!sync_directory(path)) return fail(errc::key_store_io);
  return {};
}

key_store_lock::key_store_lock(const std::string& path) {
  const std::string lock_path = path + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return;
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
  }
}

key_store_lock::~key_store_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace sy::hsm::detail
