// An independent merchant client for the integration tests: blocking HTTPS over OpenSSL, the
// request signature and the answer's Sy-Signature computed here from specs/merchant-api.md alone
// (no server code), raw bytes for hostile input, and a reader of HTTP/1.1 answers with deadlines.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sy::testing {

struct http_reply {
  int status = 0;                              // 0: no answer (closed or timed out)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// One TLS connection to 127.0.0.1:`port`, verifying the server against `ca_path`, presenting the
// client certificate `certificate_path` (PEM, key in `key_path`) when one is named.
class tls_connection {
 public:
  tls_connection(std::uint16_t port, const std::string& ca_path,
                 const std::string& certificate_path = {}, const std::string& key_path = {});
  ~tls_connection();
  tls_connection(const tls_connection&) = delete;
  tls_connection& operator=(const tls_connection&) = delete;

  bool connected() const noexcept { return ssl_ != nullptr; }
  // `bytes` in one SSL_write: one TLS record up to 16 KiB.
  bool send(const std::string& bytes);
  // `bytes` in TLS records of `record_size` bytes each (one SSL_write per record).
  bool send_in_records(const std::string& bytes, std::size_t record_size);
  // `bytes` on the socket itself, under the TLS layer: a forged or truncated record.
  bool send_raw(const std::string& bytes);
  // Closes the sending side of the socket (no close_notify): the server reads end of stream.
  void shutdown_write();
  // Sends TLS's close_notify (SSL_shutdown once): the end of what this client says.
  bool send_close_notify();
  // The plaintext of the next TLS record with application data; empty when none comes within
  // `timeout`. Only on a connection read() has not buffered bytes of.
  std::string read_record(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next answer on the connection; status 0 when it closes or says nothing for `timeout`.
  http_reply read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection (reads end of stream within `timeout`).
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string buffer_;
};

// A plain TCP connection to 127.0.0.1:`port`: bytes that are not TLS, or not all of a handshake.
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const noexcept { return fd_ >= 0; }
  bool send(const std::string& bytes);
  void shutdown_write();
  // True when the server closed the connection within `timeout`; what it sent is discarded.
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// A merchant key as the switch's configuration knows it.
struct merchant_key {
  std::string id;
  std::string secret;
};

// base64(HMAC-SHA256(secret, data)), standard alphabet, padded.
std::string hmac_base64(const std::string& secret, const std::string& data);

// A fresh 32-character nonce of [A-Za-z0-9].
std::string fresh_nonce();

struct signed_parts {
  signed_parts(std::string m, std::string p, std::string b, std::optional<std::string> key,
               std::int64_t ts = 0, std::string n = {}, std::string type = "application/json")
      : method(std::move(m)),
        path(std::move(p)),
        body(std::move(b)),
        idempotency_key(std::move(key)),
        timestamp(ts),
        nonce(std::move(n)),
        content_type(std::move(type)) {}

  std::string method;
  std::string path;  // with the query
  std::string body;
  std::optional<std::string> idempotency_key;
  std::int64_t timestamp = 0;  // 0: now
  std::string nonce;           // empty: fresh
  std::string content_type;
};

// The request's bytes, signed with `key`; `nonce_out` receives the nonce used.
std::string signed_request(const merchant_key& key, const signed_parts& parts,
                           std::string* nonce_out = nullptr);

// Whether `reply` carries a Sy-Signature over (its timestamp, `nonce`, its body) under `key`.
bool answer_signed_by(const merchant_key& key, const std::string& nonce, const http_reply& reply);

// The SHA-256 fingerprint of the PEM certificate at `path`, lower-case hex.
std::string certificate_sha256(const std::string& path);

// GET `path` over plain HTTP on 127.0.0.1:`port` (the admin listener), one request per connection.
http_reply plain_get(std::uint16_t port, const std::string& path);

}  // namespace sy::testing
