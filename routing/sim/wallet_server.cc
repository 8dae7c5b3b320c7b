// The wallet simulator's sockets, its one Beast translation unit: an acceptor, per switch
// connection (HTTP or HTTPS) a keep-alive read/answer loop, and a short-lived client per callback.
// Single-threaded: everything runs on the thread that calls run().
#include "routing/sim/wallet_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>

#include "config/limits.h"
#include "routing/http/provider_signature.h"
#include "routing/sim/listener.h"

namespace sy::routing::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct wallet_server::impl {
  explicit impl(wallet_responder& r) : responder(r) {}

  void accept();
  void schedule(const wallet_completion& completion);
  void deliver(const wallet_callback& callback);
  void stop_now() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    io.stop();
  }

  // Declared before the io_context: handlers it destroys at shutdown still reach these.
  wallet_responder& responder;
  std::optional<http::base_url> callback;
  std::size_t callbacks_in_flight = 0;
  std::atomic<std::uint64_t> accepted{0}, open{0}, callbacks_sent{0}, callbacks_failed{0},
      callbacks_dropped{0};
  std::optional<asio::ssl::context> tls;  // set: every connection is HTTPS; outlives its streams
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::signal_set signals{io};
};

namespace {

// One switch connection over Stream (beast::tcp_stream, or ssl_stream over it for HTTPS): read a
// request, answer it (after its latency), read the next.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
 public:
  session(wallet_server::impl& server, Stream stream)
      : server_(server), stream_(std::move(stream)), timer_(server.io) {
    ++server_.open;
  }
  ~session() { --server_.open; }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      // A handshake that never ends must not hold the connection: the connect timeout bounds it.
      beast::get_lowest_layer(stream_).expires_after(
          std::chrono::milliseconds(limits::connect_timeout_ms_max));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(limits::http_body_size_max);
    parser_->header_limit(static_cast<std::uint32_t>(limits::http_header_size_max));
    const auto idle = server_.responder.config().idle_timeout_ms;
    if (idle > 0) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(idle));
    } else {
      beast::get_lowest_layer(stream_).expires_never();
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->handle();
                      });
  }

  void handle() {
    const auto& req = parser_->get();
    const wallet_http_request q{req.method_string(),         req.target(),
                                req[http::timestamp_header], req[http::nonce_header],
                                req[http::signature_header], req.body()};
    wallet_answer a = server_.responder.answer(q, unix_now_s());
    if (a.completion) server_.schedule(*a.completion);
    if (!a.respond) return read();  // a timeout fault: the switch gives up and closes
    response_ = {};
    response_.version(11);
    response_.result(a.status);
    response_.set(bhttp::field::content_type, "application/json");
    response_.set(http::timestamp_header, a.timestamp);
    response_.set(http::signature_header, a.signature);
    response_.keep_alive(req.keep_alive());
    response_.body() = std::move(a.body);
    response_.prepare_payload();
    if (a.delay.count() == 0) return write();
    timer_.expires_after(a.delay);
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->write();
    });
  }

  void write() {
    beast::get_lowest_layer(stream_).expires_never();
    bhttp::async_write(
        stream_, response_,
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (ec || !self->response_.keep_alive()) return self->close();
          self->read();
        });
  }

  void close() {
    // No TLS close_notify: the switch's client copes with a peer that just goes.
    auto& lowest = beast::get_lowest_layer(stream_);
    boost::system::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest.close();
  }

  wallet_server::impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  asio::steady_timer timer_;
};

// One callback POST on a connection of its own, closed after the answer.
class callback_client : public std::enable_shared_from_this<callback_client> {
 public:
  callback_client(wallet_server::impl& server, const wallet_callback& c)
      : server_(server), stream_(server.io), resolver_(server.io) {
    ++server_.callbacks_in_flight;
    request_.method(bhttp::verb::post);
    request_.target(c.path);
    request_.version(11);
    request_.set(bhttp::field::host, server.callback->host);
    request_.set(bhttp::field::content_type, "application/json");
    request_.set(http::timestamp_header, c.timestamp);
    request_.set(http::nonce_header, c.nonce);
    request_.set(http::signature_header, c.signature);
    request_.keep_alive(false);
    request_.body() = c.body;
    request_.prepare_payload();
  }
  ~callback_client() { --server_.callbacks_in_flight; }
  callback_client(const callback_client&) = delete;
  callback_client& operator=(const callback_client&) = delete;

  void start() {
    // The switch's own request timeout bounds how long a callback endpoint may take.
    stream_.expires_after(std::chrono::milliseconds(limits::request_timeout_ms_max));
    resolver_.async_resolve(server_.callback->host, std::to_string(server_.callback->port),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        const tcp::resolver::results_type& found) {
                              if (ec) return self->done(false);
                              self->stream_.async_connect(
                                  found, [self](boost::system::error_code e, const tcp::endpoint&) {
                                    if (e) return self->done(false);
                                    bhttp::async_write(
                                        self->stream_, self->request_,
                                        [self](boost::system::error_code w, std::size_t) {
                                          if (w) return self->done(false);
                                          self->read();
                                        });
                                  });
                            });
  }

 private:
  void read() {
    bhttp::async_read(stream_, buffer_, response_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->done(!ec && self->response_.result_int() / 100 == 2);
                      });
  }

  void done(bool ok) {
    ++(ok ? server_.callbacks_sent : server_.callbacks_failed);
    stream_.close();
  }

  wallet_server::impl& server_;
  beast::tcp_stream stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

void wallet_server::impl::schedule(const wallet_completion& completion) {
  if (callbacks_in_flight >= limits::sim_wallet_callback_count_max) {
    ++callbacks_dropped;
    return;
  }
  ++callbacks_in_flight;  // held by the timer until it fires
  auto timer = std::make_shared<asio::steady_timer>(io, completion.delay);
  timer->async_wait([this, timer, completion](boost::system::error_code ec) {
    --callbacks_in_flight;
    if (ec) return;
    if (auto c = responder.complete(completion.op, completion.id, unix_now_s())) deliver(*c);
  });
}

void wallet_server::impl::deliver(const wallet_callback& c) {
  if (!callback) return;
  std::make_shared<callback_client>(*this, c)->start();
}

void wallet_server::impl::accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec && open < limits::sim_connection_count_max) {
      ++accepted;
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        using tls_stream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<session<tls_stream>>(
            *this, tls_stream(beast::tcp_stream(std::move(socket)), *tls))
            ->start();
      } else {
        std::make_shared<session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)))
            ->start();
      }
    }
    accept();
  });
}

wallet_server::wallet_server(wallet_responder& responder)
    : impl_(std::make_unique<impl>(responder)) {
  if (auto url = http::parse_base_url(responder.config().callback_url)) impl_->callback = *url;
}

wallet_server::~wallet_server() = default;

result<void> wallet_server::use_tls(const sim_tls_settings& settings) {
  return make_server_tls(impl_->tls, settings);
}

result<std::string> wallet_server::listen(const std::string& host, std::uint16_t port) {
  auto bound = bind_listener(impl_->acceptor, host, port);
  if (bound) impl_->accept();
  return bound;
}

void wallet_server::stop_on_signals() {
  auto& signals = impl_->signals;
  signals.add(SIGINT);
  signals.add(SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) impl_->stop_now();
  });
}

void wallet_server::run() {
  impl_->io.run();
}

void wallet_server::stop() {
  asio::post(impl_->io, [this] { impl_->stop_now(); });
}

wallet_server_stats wallet_server::stats() const noexcept {
  const auto& s = *impl_;
  return {s.accepted.load(), s.open.load(), s.callbacks_sent.load(), s.callbacks_failed.load(),
          s.callbacks_dropped.load()};
}

}  // namespace sy::routing::sim
