// The tests' own HTTPS client and signatures (merchant_client.h).
#include "tests/integration/merchant_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <ctime>

namespace sy::testing {
namespace {

bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

tls_connection::tls_connection(std::uint16_t port, const std::string& ca_path,
                               const std::string& certificate_path, const std::string& key_path) {
  // A server that closes (or is killed) under a write is an answer to read, not a reason for the
  // test process to die of SIGPIPE.
  static const bool sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_load_verify_locations(ctx_, ca_path.c_str(), nullptr);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  if (!certificate_path.empty()) {
    SSL_CTX_use_certificate_chain_file(ctx_, certificate_path.c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, key_path.c_str(), SSL_FILETYPE_PEM);
  }
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd_);
  SSL_set1_host(ssl, "127.0.0.1");
  if (SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

tls_connection::~tls_connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool tls_connection::send(const std::string& bytes) {
  if (ssl_ == nullptr) return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const int n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool tls_connection::send_in_records(const std::string& bytes, std::size_t record_size) {
  for (std::size_t at = 0; at < bytes.size(); at += record_size) {
    if (!send(bytes.substr(at, record_size))) return false;
  }
  return true;
}

bool tls_connection::send_raw(const std::string& bytes) {
  return ssl_ != nullptr && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                                static_cast<ssize_t>(bytes.size());
}

void tls_connection::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool tls_connection::send_close_notify() {
  return ssl_ != nullptr && SSL_shutdown(ssl_) >= 0;
}

std::string tls_connection::read_record(std::chrono::milliseconds timeout) {
  if (ssl_ == nullptr || !buffer_.empty()) return {};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Without read-ahead OpenSSL decrypts one record per SSL_read: a call returns at most one
  // record's plaintext, and this buffer holds any record.
  std::string record(32 * 1024, '\0');
  if (SSL_pending(ssl_) == 0 && !wait_readable(fd_, deadline)) return {};
  const int n = SSL_read(ssl_, record.data(), static_cast<int>(record.size()));
  record.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return record;
}

raw_connection::raw_connection(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

raw_connection::~raw_connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool raw_connection::send(const std::string& bytes) {
  return fd_ >= 0 && ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
                         static_cast<ssize_t>(bytes.size());
}

void raw_connection::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool raw_connection::closed_by_server(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  while (fd_ >= 0 && wait_readable(fd_, deadline)) {
    if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
  }
  return false;
}

// Reads more into the buffer; false at end of stream, on error or at the deadline.
bool tls_connection::fill(std::chrono::steady_clock::time_point deadline) {
  if (ssl_ == nullptr) return false;
  char chunk[16384];
  if (SSL_pending(ssl_) == 0 && !wait_readable(fd_, deadline)) return false;
  const int n = SSL_read(ssl_, chunk, sizeof chunk);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

http_reply tls_connection::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  http_reply reply;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return reply;
  }
  const std::string head = buffer_.substr(0, end);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.1 ")) return reply;
  const int status = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos && line_end < head.size()) {
    const std::size_t next = head.find("\r\n", line_end + 2);
    const std::string line = head.substr(line_end + 2, next - line_end - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[lower(line.substr(0, colon))] = value;
    }
    line_end = next;
  }
  const auto length_it = reply.headers.find("content-length");
  const std::size_t length = length_it == reply.headers.end() ? 0 : std::stoul(length_it->second);
  while (buffer_.size() < end + 4 + length) {
    if (!fill(deadline)) return http_reply{};
  }
  reply.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  reply.status = status;
  return reply;
}

bool tls_connection::closed_by_server(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fill(deadline)) {
  }
  return std::chrono::steady_clock::now() < deadline;
}

std::string hmac_base64(const std::string& secret, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  std::string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(size));
  return out;
}

std::string fresh_nonce() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  std::string out;
  for (const unsigned char c : raw) out += alphabet[c % 62];
  return out;
}

std::string signed_request(const merchant_key& key, const signed_parts& p, std::string* nonce_out) {
  const std::int64_t ts = p.timestamp != 0 ? p.timestamp : std::time(nullptr);
  const std::string nonce = p.nonce.empty() ? fresh_nonce() : p.nonce;
  if (nonce_out != nullptr) *nonce_out = nonce;
  const std::string to_sign =
      p.method + "\n" + p.path + "\n" + std::to_string(ts) + "\n" + nonce + "\n" + p.body + "\n";
  std::string r = p.method + " " + p.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  r += "Authorization: SY1-HMAC-SHA256 key_id=\"" + key.id + "\",timestamp=\"" +
       std::to_string(ts) + "\",nonce=\"" + nonce + "\",signature=\"" +
       hmac_base64(key.secret, to_sign) + "\"\r\n";
  if (p.idempotency_key) r += "Idempotency-Key: " + *p.idempotency_key + "\r\n";
  if (!p.body.empty()) {
    r += "Content-Type: " + p.content_type + "\r\n";
  }
  r += "Content-Length: " + std::to_string(p.body.size()) + "\r\n\r\n" + p.body;
  return r;
}

bool answer_signed_by(const merchant_key& key, const std::string& nonce, const http_reply& reply) {
  const auto it = reply.headers.find("sy-signature");
  if (it == reply.headers.end()) return false;
  const std::string& h = it->second;
  const auto ts_start = h.find("timestamp=\"");
  const auto sig_start = h.find("signature=\"");
  if (ts_start == std::string::npos || sig_start == std::string::npos) return false;
  const std::string ts = h.substr(ts_start + 11, h.find('"', ts_start + 11) - ts_start - 11);
  const std::string sig = h.substr(sig_start + 11, h.find('"', sig_start + 11) - sig_start - 11);
  return sig == hmac_base64(key.secret, ts + "\n" + nonce + "\n" + reply.body + "\n");
}

std::string certificate_sha256(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return {};
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const bool made = cert != nullptr && X509_digest(cert, EVP_sha256(), digest, &size) == 1;
  X509_free(cert);
  std::string out;
  for (unsigned int i = 0; made && i < size; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    out += pair;
  }
  return out;
}

http_reply plain_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  http_reply reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      std::string all;
      char chunk[16384];
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (wait_readable(fd, deadline)) {
        const auto n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        all.append(chunk, static_cast<std::size_t>(n));
      }
      const auto end = all.find("\r\n\r\n");
      if (all.starts_with("HTTP/1.1 ") && end != std::string::npos) {
        reply.status = std::stoi(all.substr(9, 3));
        reply.body = all.substr(end + 4);
      }
    }
  }
  ::close(fd);
  return reply;
}

}  // namespace sy::testing
