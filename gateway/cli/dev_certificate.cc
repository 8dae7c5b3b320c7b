// The development certificate of the embedded default (dev_certificate.h).
#include "gateway/cli/dev_certificate.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace sy::gateway::cli {
namespace {

namespace fs = std::filesystem;

constexpr long validity_s = 365L * 24 * 3600;

struct file_closer {
  void operator()(FILE* f) const noexcept { std::fclose(f); }
};
using file_ptr = std::unique_ptr<FILE, file_closer>;

// Opens `path` for writing, created with `mode` (a key must never be readable by others).
file_ptr create(const fs::path& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  return file_ptr(::fdopen(fd, "w"));
}

bool write_pair(const config::tls_settings& tls) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return false;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_s);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("switchyard development"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name,
                                            "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (san == nullptr) return false;
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  for (const auto& path : {fs::path(tls.certificate_path), fs::path(tls.key_path)}) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  }
  const auto key_file = create(tls.key_path, 0600);
  const auto cert_file = create(tls.certificate_path, 0644);
  return key_file && cert_file &&
         PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
             1 &&
         PEM_write_X509(cert_file.get(), cert.get()) == 1;
}

}  // namespace

bool ensure_development_certificate(const config::tls_settings& tls) {
  std::error_code ec;
  if (fs::exists(tls.certificate_path, ec) || fs::exists(tls.key_path, ec)) return true;
  if (!write_pair(tls)) {
    std::fprintf(stderr, "error: cannot write the development certificate %s and key %s\n",
                 tls.certificate_path.c_str(), tls.key_path.c_str());
    return false;
  }
  std::fprintf(stderr,
               "warning: wrote a self-signed development certificate %s (key %s) for localhost; "
               "clients verify it with --cacert %s\n",
               tls.certificate_path.c_str(), tls.key_path.c_str(), tls.certificate_path.c_str());
  return true;
}

}  // namespace sy::gateway::cli
