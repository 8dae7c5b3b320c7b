// The gateway's listeners and HTTP sessions: the one Beast translation unit of the gateway.
// A session is a coroutine on its worker's io_context: read a request (deadline), hand it to the
// handler, wait for its answer, write it (deadline), repeat while keep-alive holds. Merchant
// sessions run TLS on the socket itself (detail/tls_socket_stream.h), admin ones plain TCP.
#include "gateway/http_server.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "config/limits.h"
#include "gateway/detail/tls_socket_stream.h"
#include "hsm/primitives.h"
#include "protocol/api_error.h"
#include "routing/sim/listener.h"

namespace sy::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = detail::tls_socket_stream;
using plain_stream = beast::tcp_stream;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t first_read_size = 4096;
constexpr std::chrono::seconds tls_shutdown_timeout{1};
// TLS 1.2 suites: ECDHE key exchange with AEAD ciphers only (TLS 1.3's suites all are).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.fetch_add(1, std::memory_order_relaxed);
}

clearing::store::executor executor_of(asio::io_context& io) noexcept {
  return {&io, [](void* context, std::function<void()> work) {
            asio::post(*static_cast<asio::io_context*>(context), std::move(work));
          }};
}

error_code configure_tls(ssl::context& tls, const config::tls_settings& settings) {
  error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  if (ec) return ec;
  SSL_CTX* native = tls.native_handle();
  const int min_version =
      settings.min_version == config::tls_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(native, min_version) != 1 ||
      SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    return asio::error::invalid_argument;
  }
  SSL_CTX_set_options(
      native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // An idle connection holds no record buffers (OpenSSL frees them between records). Auto-retry
  // (OpenSSL's default, stated here because the stream relies on it): a read that meets a
  // non-application record (a session ticket, a key update) goes on reading, so WANT_READ means
  // the socket had nothing more and a readiness wait is due.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_AUTO_RETRY);
  tls.use_certificate_chain_file(settings.certificate_path, ec);
  if (!ec) tls.use_private_key_file(settings.key_path, ssl::context::pem, ec);
  if (ec) return ec;
  if (!settings.client_ca_path.empty()) {
    tls.load_verify_file(settings.client_ca_path, ec);
    if (!ec) tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    return ec;
  }
  // No CA: a client may still present a certificate, which the merchants that pin theirs
  // (client_certificate_sha256) check by fingerprint; the handshake proves the client holds its
  // key, so the chain needs no verifying here.
  tls.set_verify_mode(ssl::verify_peer, ec);
  if (!ec) tls.set_verify_callback([](bool, ssl::verify_context&) { return true; }, ec);
  return ec;
}

// The SHA-256 of the connection's client certificate in upper-case hex; empty without one.
std::string client_certificate_sha256(SSL* ssl) {
  const X509* peer = SSL_get0_peer_certificate(ssl);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (peer == nullptr || X509_digest(peer, EVP_sha256(), digest, &size) != 1) return {};
  return hsm::to_hex({digest, size});
}

std::string error_body(protocol::api_errc code, std::string message) {
  return protocol::to_json(protocol::api_error{code, std::move(message), {}});
}

http_answer error_answer(protocol::api_errc code, std::string message) {
  http_answer a;
  a.status = protocol::http_status_of(code);
  a.body = error_body(code, std::move(message));
  if (code == protocol::api_errc::overloaded) {
    a.headers.emplace_back("Retry-After", std::to_string(limits::http_retry_after_s));
  }
  return a;
}

// The answer to a request the parser refused; the connection closes after it.
http_answer refusal_of(const error_code& ec) {
  if (ec == http::error::header_limit) {
    return error_answer(protocol::api_errc::header_too_large,
                        "the request's headers are over " +
                            std::to_string(limits::http_header_size_max) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return error_answer(
        protocol::api_errc::body_too_large,
        "the request body is over " + std::to_string(limits::http_body_size_max) + " bytes");
  }
  return error_answer(protocol::api_errc::http_invalid,
                      "the request is not valid HTTP/1.1: " + ec.message());
}

// The answer of a handler, delivered on the session's thread.
struct pending_answer {
  explicit pending_answer(asio::io_context& io) : timer(io) {
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer timer;
  std::optional<http_answer> answer;
};

// The session's request read, as its deadline's handler sees it (on the session's thread). A
// handler outliving its read finds another request number, or no read in progress.
struct read_state {
  std::uint64_t request = 0;
  bool in_progress = false;
  bool late = false;
};

// A merchant session over connection_count_max is `shedding`: answered 503 once and closed.
enum class session_kind : std::uint8_t { merchant, shedding, admin };

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(std::vector<asio::io_context*> w, const config::config& cfg, request_handler m,
       request_handler a)
      : workers(std::move(w)),
        connection_count_max(static_cast<std::uint64_t>(cfg.listen.connection_count_max)),
        inflight_count_max(static_cast<std::uint64_t>(cfg.listen.inflight_count_max)),
        merchant(std::move(m)),
        admin(std::move(a)),
        merchant_acceptor(*workers[0]),
        admin_acceptor(*workers[0]) {}

  template <class Stream>
  asio::awaitable<void> serve(std::shared_ptr<Stream> stream, session_kind kind,
                              asio::io_context& io);
  asio::awaitable<void> accept(tcp::acceptor& acceptor, bool is_merchant);
  template <class Stream>
  void add_closer(std::uint64_t id, const std::shared_ptr<Stream>& stream, asio::io_context& io);
  std::atomic<std::uint64_t>& open_of(session_kind kind) {
    switch (kind) {
      case session_kind::merchant:
        return merchant_open;
      case session_kind::shedding:
        return shedding_open;
      case session_kind::admin:
        return admin_open;
    }
    return admin_open;
  }
  std::uint64_t sessions_open() const noexcept {
    return merchant_open.load() + shedding_open.load() + admin_open.load();
  }
  template <class Lowest>
  void end_session(Lowest& lowest, std::uint64_t id, session_kind kind) {
    lowest.close();
    std::lock_guard lock(closers_mutex);
    closers.erase(id);
    open_of(kind).fetch_sub(1);
  }
  asio::io_context& next_worker() {
    return *workers[next.fetch_add(1, std::memory_order_relaxed) % workers.size()];
  }
  http_request to_request(const http::request<http::string_body>& req,
                          const std::string& client_certificate);
  template <class Stream>
  asio::awaitable<bool> write(Stream& stream, http_answer answer, unsigned version,
                              bool keep_alive);

  std::vector<asio::io_context*> workers;
  std::uint64_t connection_count_max;
  std::uint64_t inflight_count_max;
  request_handler merchant;
  request_handler admin;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor merchant_acceptor;
  tcp::acceptor admin_acceptor;
  std::uint16_t merchant_port = 0;
  std::uint16_t admin_port = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> session_ids{0};
  std::atomic<std::uint64_t> request_ids{0};
  std::uint64_t request_id_base = 0;  // random at start, so request ids differ across restarts

  std::mutex closers_mutex;
  std::unordered_map<std::uint64_t, std::function<void()>> closers;  // open sessions

  std::atomic<std::uint64_t> merchant_open{0};  // the sessions connection_count_max bounds
  std::atomic<std::uint64_t> shedding_open{0};
  std::atomic<std::uint64_t> admin_open{0};
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_shed{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> inflight{0};
  std::atomic<std::uint64_t> shed{0};
  std::atomic<std::uint64_t> handshakes_failed{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> timeouts{0};
};

template <class Stream>
void http_server::impl::add_closer(std::uint64_t id, const std::shared_ptr<Stream>& stream,
                                   asio::io_context& io) {
  std::weak_ptr<Stream> weak = stream;
  std::lock_guard lock(closers_mutex);
  closers.emplace(id, [weak, &io] {
    asio::post(io, [weak] {
      if (auto s = weak.lock()) beast::get_lowest_layer(*s).close();
    });
  });
}

http_request http_server::impl::to_request(const http::request<http::string_body>& req,
                                           const std::string& client_certificate) {
  http_request r;
  r.client_certificate_sha256 = client_certificate;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  const auto header = [&req](http::field f) -> std::optional<std::string> {
    const auto it = req.find(f);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
  };
  r.authorization = header(http::field::authorization);
  r.content_type = header(http::field::content_type);
  if (const auto it = req.find("Idempotency-Key"); it != req.end()) {
    r.idempotency_key = std::string(it->value());
  }
  r.body = req.body();
  char id[24];
  std::snprintf(id, sizeof id, "req_%016llx",
                static_cast<unsigned long long>(request_id_base + request_ids.fetch_add(1)));
  r.request_id = id;
  return r;
}

template <class Stream>
asio::awaitable<bool> http_server::impl::write(Stream& stream, http_answer answer, unsigned version,
                                               bool keep_alive) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(answer.status);
  res.set(http::field::content_type, answer.content_type);
  for (auto& [name, value] : answer.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(answer.body);
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(
      std::chrono::milliseconds{limits::http_write_timeout_ms});
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (ec == beast::error::timeout) bump(timeouts);
  co_return !ec;
}

// Requests that headers name once: a second Authorization, Idempotency-Key or Content-Type
// would make the request mean two things.
static bool has_repeated_header(const http::request<http::string_body>& req) {
  return req.count(http::field::authorization) > 1 || req.count(http::field::content_type) > 1 ||
         req.count("Idempotency-Key") > 1;
}

template <class Stream>
asio::awaitable<void> http_server::impl::serve(std::shared_ptr<Stream> stream, session_kind kind,
                                               asio::io_context& io) {
  const bool is_merchant = kind != session_kind::admin;
  const bool shedding = kind == session_kind::shedding;
  auto self = shared_from_this();
  auto& lowest = beast::get_lowest_layer(*stream);
  const auto id = session_ids.fetch_add(1);
  add_closer(id, stream, io);
  std::string client_certificate;
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    lowest.expires_after(std::chrono::milliseconds{limits::tls_handshake_timeout_ms});
    auto [ec] = co_await stream->async_handshake(use_tuple);
    if (ec) {
      bump(handshakes_failed);
      end_session(lowest, id, kind);
      co_return;
    }
    client_certificate = client_certificate_sha256(stream->native_handle());
  }
  beast::flat_buffer buffer;
  // The request deadline: one timer and one state for the whole session. The stream's own timer
  // would close the socket; this one only cancels the read, so that the client is still told
  // (408) before the connection closes.
  asio::steady_timer deadline(io);
  const auto reading = std::make_shared<read_state>();
  for (;;) {
    if (stopping.load()) break;
    if (buffer.size() == 0) {
      // Idle between requests: a keep-alive connection may wait this long for the next one.
      lowest.expires_after(std::chrono::milliseconds{limits::http_idle_timeout_ms});
      auto [ec, n] = co_await stream->async_read_some(buffer.prepare(first_read_size), use_tuple);
      if (ec) break;
      buffer.commit(n);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(limits::http_header_size_max);
    parser.body_limit(limits::http_body_size_max);
    // One deadline for the whole request, however slowly its bytes arrive (no slowloris).
    lowest.expires_never();
    const auto request = ++reading->request;
    reading->late = false;
    deadline.expires_after(std::chrono::milliseconds{limits::http_read_timeout_ms});
    deadline.async_wait([reading, request, stream](const error_code& e) {
      // A wait cancelled, or one that fired as its read completed: the read is not late.
      if (e || reading->request != request || !reading->in_progress) return;
      reading->late = true;
      // The TLS stream's cancel also fails the reads started after it, until the next deadline.
      beast::get_lowest_layer(*stream).cancel();
    });
    reading->in_progress = true;
    auto [ec, n] = co_await http::async_read(*stream, buffer, parser, use_tuple);
    reading->in_progress = false;
    deadline.cancel();
    if (ec && reading->late) {
      bump(timeouts);
      co_await write(*stream,
                     error_answer(protocol::api_errc::request_timeout,
                                  "the request did not arrive within " +
                                      std::to_string(limits::http_read_timeout_ms) + " ms"),
                     11, false);
      break;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == ssl::error::stream_truncated || ec == http::error::partial_message ||
        (ec && ec.category() == asio::error::get_ssl_category())) {
      break;
    }
    if (ec || has_repeated_header(parser.get())) {
      bump(protocol_errors);
      auto answer = ec ? refusal_of(ec)
                       : error_answer(protocol::api_errc::http_invalid,
                                      "Authorization, Content-Type and Idempotency-Key may each "
                                      "appear once");
      co_await write(*stream, std::move(answer), 11, false);
      break;
    }
    auto& req = parser.get();
    http_answer answer;
    if (shedding) {
      answer = error_answer(protocol::api_errc::overloaded,
                            "the switch is at its connection limit; retry shortly");
    } else if (is_merchant && inflight.fetch_add(1) >= inflight_count_max) {
      inflight.fetch_sub(1);
      bump(shed);
      answer = error_answer(protocol::api_errc::overloaded,
                            "the switch is at its in-flight request limit; retry shortly");
    } else {
      auto pending = std::make_shared<pending_answer>(io);
      (is_merchant ? merchant : admin)(to_request(req, client_certificate), executor_of(io),
                                       [pending, &io](http_answer a) {
                                         asio::post(io, [pending, a = std::move(a)]() mutable {
                                           pending->answer = std::move(a);
                                           pending->timer.cancel();
                                         });
                                       });
      if (!pending->answer) co_await pending->timer.async_wait(use_tuple);
      if (is_merchant) inflight.fetch_sub(1);
      answer = std::move(*pending->answer);
    }
    // The body may hold a card number: wipe it before the buffer is reused.
    OPENSSL_cleanse(req.body().data(), req.body().size());
    const bool keep_alive = req.keep_alive() && !stopping.load() && !shedding;
    const bool written = co_await write(*stream, std::move(answer), req.version(), keep_alive);
    if (!written || !keep_alive) break;
  }
  OPENSSL_cleanse(buffer.data().data(), buffer.size());
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    lowest.expires_after(tls_shutdown_timeout);
    co_await stream->async_shutdown(use_tuple);
  }
  end_session(lowest, id, kind);
}

asio::awaitable<void> http_server::impl::accept(tcp::acceptor& acceptor, bool is_merchant) {
  auto self = shared_from_this();
  for (;;) {
    auto& io = next_worker();
    auto [ec, socket] = co_await acceptor.async_accept(io, use_tuple);
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or memory: wait a moment instead of spinning on the error.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds{100});
      co_await pause.async_wait(use_tuple);
      continue;
    }
    auto kind = is_merchant ? session_kind::merchant : session_kind::admin;
    if (is_merchant) {
      bump(connections_accepted);
      if (merchant_open.load() >= connection_count_max) {
        if (shedding_open.load() >= limits::http_shedding_connection_count_max) {
          bump(connections_refused);
          error_code ignored;
          socket.close(ignored);
          continue;
        }
        bump(connections_shed);
        kind = session_kind::shedding;
      }
    }
    open_of(kind).fetch_add(1);
    socket.set_option(tcp::no_delay(true), ec);
    if (is_merchant) {
      auto stream = std::make_shared<tls_stream>(std::move(socket), tls.native_handle());
      asio::co_spawn(io, serve(std::move(stream), kind, io), asio::detached);
    } else {
      auto stream = std::make_shared<plain_stream>(std::move(socket));
      asio::co_spawn(io, serve(std::move(stream), kind, io), asio::detached);
    }
  }
}

result<std::unique_ptr<http_server>> http_server::create(std::vector<asio::io_context*> workers,
                                                         const config::config& cfg,
                                                         request_handler merchant,
                                                         request_handler admin) {
  auto i = std::make_shared<impl>(std::move(workers), cfg, std::move(merchant), std::move(admin));
  if (auto ec = configure_tls(i->tls, cfg.tls)) return ec;
  // OpenSSL writes to a merchant socket with write(2), which raises SIGPIPE on a connection the
  // peer has reset (Asio's own sends use MSG_NOSIGNAL). The TLS stream stops at a socket's first
  // error, which the kernel reports as ECONNRESET, so this is the second line: one write too many
  // must end a connection, never the switch.
  std::signal(SIGPIPE, SIG_IGN);
  const auto& m = cfg.listen.merchant_api;
  const auto& a = cfg.listen.admin;
  if (auto bound = routing::sim::bind_listener(i->merchant_acceptor, m.address, m.port); !bound) {
    return bound.error();
  }
  if (auto bound = routing::sim::bind_listener(i->admin_acceptor, a.address, a.port); !bound) {
    return bound.error();
  }
  i->merchant_port = i->merchant_acceptor.local_endpoint().port();
  i->admin_port = i->admin_acceptor.local_endpoint().port();
  std::uint64_t base = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&base), sizeof base);
  i->request_id_base = base;
  return std::unique_ptr<http_server>(new http_server(std::move(i)));
}

http_server::http_server(std::shared_ptr<impl> state) noexcept : impl_(std::move(state)) {}

http_server::~http_server() = default;

std::uint16_t http_server::merchant_port() const noexcept {
  return impl_->merchant_port;
}

std::uint16_t http_server::admin_port() const noexcept {
  return impl_->admin_port;
}

void http_server::start() {
  auto& io = *impl_->workers[0];
  asio::co_spawn(io, impl_->accept(impl_->merchant_acceptor, true), asio::detached);
  asio::co_spawn(io, impl_->accept(impl_->admin_acceptor, false), asio::detached);
}

void http_server::stop(std::chrono::milliseconds deadline) {
  auto& i = *impl_;
  i.stopping = true;
  std::promise<void> closed;
  asio::post(*i.workers[0], [&i, &closed] {
    error_code ignored;
    i.merchant_acceptor.close(ignored);
    i.admin_acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (i.inflight.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  {
    std::lock_guard lock(i.closers_mutex);
    for (auto& [id, close] : i.closers) close();
  }
  const auto closing_until = std::chrono::steady_clock::now() + std::chrono::seconds{2};
  while (i.sessions_open() > 0 && std::chrono::steady_clock::now() < closing_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

http_server_counters http_server::counters() const noexcept {
  const auto& i = *impl_;
  const auto r = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  return {i.sessions_open(),      r(i.connections_accepted),
          r(i.connections_shed),  r(i.connections_refused),
          r(i.inflight),          r(i.shed),
          r(i.handshakes_failed), r(i.protocol_errors),
          r(i.timeouts)};
}

}  // namespace sy::gateway
