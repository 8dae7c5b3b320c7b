// The bank simulator's sockets, the one Asio translation unit of sy_sim: an acceptor and, per
// switch connection, a read loop that frames the stream and a write queue that batches answers.
// Single-threaded: everything runs on the thread that calls run().
#include "routing/sim/bank_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <type_traits>

#include "config/limits.h"
#include "protocol/iso8583/framing.h"
#include "routing/sim/listener.h"

namespace sy::routing::sim {
namespace {

namespace asio = boost::asio;
namespace iso = protocol::iso8583;
using tcp = asio::ip::tcp;

// Read window beyond the largest frame: one read can bring many small frames at once.
constexpr std::size_t read_window_size = 16 * 1024;

// Problems that repeat with every frame are logged once per kind, then only counted.
enum class warning : std::uint8_t {
  handshake,
  framing,
  unreadable,
  mac,
  delayed_full,
  write_queue_full,
  connections_full,
  count
};

}  // namespace

struct bank_server::impl {
  explicit impl(bank_responder& r)
      : responder(r),
        scratch(r.answer_buffer_size()),
        framing(r.config().framing),
        frame_size_max(static_cast<std::size_t>(r.config().frame_size_max)) {}

  void warn_once(warning kind, std::string_view event, std::string_view detail) {
    auto& done = warned[static_cast<std::size_t>(kind)];
    if (done) return;
    done = true;
    // JSON line; `detail` is our own text or a codec message, never message data.
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"sim.bank\",\"event\":\"%.*s\","
                 "\"detail\":\"%.*s\",\"note\":\"logged once, counted after\"}\n",
                 static_cast<int>(event.size()), event.data(), static_cast<int>(detail.size()),
                 detail.data());
  }

  void accept();
  void stop_now() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    io.stop();
  }

  // Declared before the io_context: handlers it destroys at shutdown still reach these.
  bank_responder& responder;
  std::vector<char> scratch;  // each answer is packed here, then copied to its connection
  iso::framing framing;
  std::size_t frame_size_max;
  std::size_t connection_count = 0;
  std::array<bool, static_cast<std::size_t>(warning::count)> warned{};
  std::optional<asio::ssl::context> tls;  // set: every connection is TLS; outlives its streams
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::signal_set signals{io};
};

namespace {

// One switch connection over Stream: tcp::socket, or ssl::stream<tcp::socket> with TLS.
template <class Stream>
class connection : public std::enable_shared_from_this<connection<Stream>> {
 public:
  connection(bank_server::impl& server, Stream stream)
      : server_(server),
        socket_(std::move(stream)),
        in_(iso::prefix_size(server.framing) + server.frame_size_max + read_window_size) {
    ++server_.connection_count;
  }
  ~connection() { --server_.connection_count; }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      socket_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](
                                                                  boost::system::error_code ec) {
        if (!ec) return self->read();
        self->server_.warn_once(warning::handshake, "tls_handshake_failed", ec.message());
        self->close();
      });
    }
  }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(in_.data() + in_size_, in_.size() - in_size_),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec || self->closed_) return self->close();
          self->in_size_ += n;
          if (!self->process()) return self->close();
          self->read();
        });
  }

  // Answers every whole frame received; false when the connection must close (a framing error
  // leaves no way to find the next frame, or a disconnect fault).
  bool process() {
    std::size_t start = 0;
    bool open = true;
    while (open) {
      const std::string_view rest(in_.data() + start, in_size_ - start);
      const auto status = iso::decode_frame(server_.framing, rest, server_.frame_size_max);
      if (!status) {
        server_.warn_once(warning::framing, "framing_error", status.error().message());
        return false;
      }
      if (!status->complete) break;
      const auto payload = rest.substr(status->payload_offset, status->payload_size);
      start += status->payload_offset + status->payload_size;
      open = handle(payload);
    }
    std::memmove(in_.data(), in_.data() + start, in_size_ - start);
    in_size_ -= start;
    return open;
  }

  bool handle(std::string_view payload) {
    const bank_answer a = server_.responder.answer(payload, server_.scratch);
    switch (a.what) {
      case bank_answer::action::respond:
      case bank_answer::action::malformed:
        deliver(std::string_view(server_.scratch.data(), a.size), a.delay);
        return !closed_;
      case bank_answer::action::none:
        if (a.mac_failure) {
          server_.warn_once(warning::mac, "mac_failed", a.problem);
        } else if (!a.problem.empty()) {
          server_.warn_once(warning::unreadable, "frame_ignored", a.problem);
        }
        return true;
      case bank_answer::action::disconnect:
        return false;
    }
    return true;
  }

  void deliver(std::string_view bytes, std::chrono::microseconds delay) {
    if (delay.count() == 0) return enqueue(bytes);
    if (delayed_ >= limits::sim_delayed_count_max) {
      server_.warn_once(warning::delayed_full, "answer_dropped",
                        "too many answers waiting for their latency on one connection");
      return;
    }
    ++delayed_;
    auto timer = std::make_shared<asio::steady_timer>(server_.io, delay);
    timer->async_wait([self = this->shared_from_this(), timer,
                       copy = std::string(bytes)](boost::system::error_code ec) {
      --self->delayed_;
      if (!ec && !self->closed_) self->enqueue(copy);
    });
  }

  void enqueue(std::string_view bytes) {
    if (pending_.size() + bytes.size() > limits::sim_write_queue_size_max) {
      server_.warn_once(warning::write_queue_full, "connection_closed",
                        "the switch does not read its answers");
      return close();
    }
    pending_.append(bytes);
    if (!writing_active_) write();
  }

  // Writes everything queued in one call; answers queued meanwhile go in the next.
  void write() {
    writing_.swap(pending_);
    pending_.clear();
    writing_active_ = true;
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_active_ = false;
                        self->writing_.clear();
                        if (ec) return self->close();
                        if (!self->pending_.empty() && !self->closed_) self->write();
                      });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    // No TLS close_notify: a bank that drops the link is what the fault simulates anyway.
    socket_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    socket_.lowest_layer().close(ignored);
  }

  bank_server::impl& server_;
  Stream socket_;
  std::vector<char> in_;
  std::size_t in_size_ = 0;
  std::string pending_;
  std::string writing_;
  bool writing_active_ = false;
  std::size_t delayed_ = 0;
  bool closed_ = false;
};

}  // namespace

void bank_server::impl::accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      if (connection_count >= limits::sim_connection_count_max) {
        warn_once(warning::connections_full, "connection_refused",
                  "limits::sim_connection_count_max connections already open");
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls) {
          using tls_stream = asio::ssl::stream<tcp::socket>;
          std::make_shared<connection<tls_stream>>(*this, tls_stream(std::move(socket), *tls))
              ->start();
        } else {
          std::make_shared<connection<tcp::socket>>(*this, std::move(socket))->start();
        }
      }
    }
    accept();
  });
}

bank_server::bank_server(bank_responder& responder) : impl_(std::make_unique<impl>(responder)) {}

bank_server::~bank_server() = default;

result<void> bank_server::use_tls(const sim_tls_settings& settings) {
  return make_server_tls(impl_->tls, settings);
}

result<std::string> bank_server::listen(const std::string& host, std::uint16_t port) {
  auto bound = bind_listener(impl_->acceptor, host, port);
  if (bound) impl_->accept();
  return bound;
}

void bank_server::stop_on_signals() {
  auto& signals = impl_->signals;
  signals.add(SIGINT);
  signals.add(SIGTERM);
  signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) impl_->stop_now();
  });
}

void bank_server::run() {
  impl_->io.run();
}

void bank_server::stop() {
  asio::post(impl_->io, [this] { impl_->stop_now(); });
}

}  // namespace sy::routing::sim
