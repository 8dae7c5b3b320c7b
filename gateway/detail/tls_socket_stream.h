// The merchant listener's TLS stream: OpenSSL on the socket itself (SSL_set_fd), driven by
// readiness waits, with beast::tcp_stream's deadlines. No buffers of its own, so an idle
// connection holds OpenSSL's SSL object and nothing else. Included only by http_server.cc.
#pragma once

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "config/assert.h"

namespace sy::gateway::detail {

// A server-side TLS stream over a connected TCP socket, for Beast's http::async_read and
// async_write (an AsyncReadStream and AsyncWriteStream). Each operation makes its OpenSSL call on
// a clean error queue; on SSL_ERROR_WANT_READ or WANT_WRITE it waits for the socket's readiness and
// calls again (with the same arguments, as OpenSSL requires). Operations complete on the handler's
// executor, never inside their initiating call. One operation at a time per direction, from the
// socket's executor only (a session's coroutine); the stream must be owned by a shared_ptr (its
// deadline's handler holds a weak one).
//
// Errors, as Asio's ssl::stream reports them: asio::error::eof (the peer's close_notify),
// ssl::error::stream_truncated (the connection closed without one), an OpenSSL error in Asio's ssl
// category, a system error of the socket (e.g. connection_reset), beast::error::timeout (past the
// deadline: the socket is closed), operation_aborted (cancel() or close()).
class tls_socket_stream : public std::enable_shared_from_this<tls_socket_stream> {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using error_code = boost::system::error_code;
  using clock = std::chrono::steady_clock;

  // The most one write_some sends: one TLS record's plaintext. A buffer sequence up to this size
  // (an answer's head and body) goes out as one record.
  static constexpr std::size_t record_size_max = SSL3_RT_MAX_PLAIN_LENGTH;
  // What a shutdown reads and discards while it waits for the peer's close_notify: it drains a
  // client's unread bytes (so that closing does not reset the connection under the last answer)
  // without letting a peer that keeps sending hold the worker past the cap.
  static constexpr std::size_t shutdown_drain_size_max = 64 * 1024;

  // `socket` connected; the SSL object comes from `context` (server side). A stream that could not
  // be set up (no memory, a socket that cannot be non-blocking) fails its handshake with the error.
  tls_socket_stream(socket_type socket, SSL_CTX* context)
      : socket_(std::move(socket)), timer_(socket_.get_executor()) {
    timer_.expires_at(clock::time_point::max());
    socket_.non_blocking(true, failed_);
    if (failed_) return;
    ERR_clear_error();
    ssl_.reset(SSL_new(context));
    if (!ssl_ || SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
      failed_ =
          error_code(static_cast<int>(ERR_get_error()), boost::asio::error::get_ssl_category());
      ERR_clear_error();
      if (!failed_) failed_ = boost::asio::error::no_memory;
      return;
    }
    SSL_set_accept_state(ssl_.get());
  }
  tls_socket_stream(const tls_socket_stream&) = delete;
  tls_socket_stream& operator=(const tls_socket_stream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  socket_type& socket() noexcept { return socket_; }
  // The connection's SSL object (e.g. for the peer's certificate); null if setting up failed.
  SSL* native_handle() noexcept { return ssl_.get(); }

  // The deadline for the operations from now on, until set again, as beast::tcp_stream's: past
  // it, the socket is closed and the operation in progress (or the next one) fails with
  // beast::error::timeout. Both also end a cancel()'s hold on reads.
  void expires_after(clock::duration after) {
    SY_ASSERT(!weak_from_this().expired());
    ++deadline_;
    reads_cancelled_ = false;
    timer_.expires_after(after);
    timer_.async_wait([weak = weak_from_this(), deadline = deadline_](const error_code& ec) {
      const auto self = weak.lock();
      // Cancelled, or a wait that had fired when a new deadline replaced it.
      if (ec || !self || self->deadline_ != deadline) return;
      self->timed_out_ = true;
      error_code ignored;
      self->socket_.close(ignored);
    });
  }
  void expires_never() {
    ++deadline_;
    reads_cancelled_ = false;
    timer_.cancel();
  }

  // The operations in progress complete with operation_aborted, and so does every read started
  // before the next expires_after or expires_never: a deadline that fires while a read's
  // completion is already queued still ends the message being read, not only that one read.
  void cancel() {
    reads_cancelled_ = true;
    error_code ignored;
    socket_.cancel(ignored);
  }
  // Closes the socket (the operations in progress complete with operation_aborted); OpenSSL is
  // never called on the descriptor again, since the kernel may give its number to another socket.
  void close() {
    ++deadline_;
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  // The server side of the handshake. Completes with void(error_code).
  template <class Token = boost::asio::default_completion_token_t<executor_type>>
  auto async_handshake(Token&& token = {}) {
    return boost::asio::async_compose<Token, void(error_code)>(operation<handshake_call>{this, {}},
                                                               token, socket_);
  }

  // Reads what one SSL_read gives into the first non-empty buffer of `buffers` (OpenSSL's
  // decrypted bytes first: it is always asked before the socket is waited on). Completes with
  // void(error_code, std::size_t).
  template <class MutableBufferSequence,
            class Token = boost::asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token = {}) {
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && first.size() == 0; ++it) {
      first = *it;
    }
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        operation<read_call>{this, {first.data(), first.size()}}, token, socket_);
  }

  // Writes up to record_size_max bytes of `buffers` as one TLS record, gathering a sequence of
  // several buffers (a copy: the bytes stay put, as OpenSSL's retries need). Completes with
  // void(error_code, std::size_t).
  template <class ConstBufferSequence,
            class Token = boost::asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token = {}) {
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        operation<write_call>{this, write_call::of(buffers)}, token, socket_);
  }

  // Sends close_notify and waits for the peer's (reading and discarding what comes before it, up to
  // shutdown_drain_size_max). A stream that failed, or has no socket, is not shut down: it
  // completes with that error at once. Completes with void(error_code).
  template <class Token = boost::asio::default_completion_token_t<executor_type>>
  auto async_shutdown(Token&& token = {}) {
    return boost::asio::async_compose<Token, void(error_code)>(operation<shutdown_call>{this, {}},
                                                               token, socket_);
  }

 private:
  enum class wants : std::uint8_t { nothing, read, write };
  struct outcome {
    wants next = wants::nothing;
    error_code ec;
    std::size_t bytes = 0;
  };

  // The OpenSSL calls: each returns 1 when done (setting *bytes), else what SSL_get_error reads.
  // `reads`: held off by cancel(). `retry_bound`: once the call asked to be repeated, no other
  // call may come before it (an abandoned SSL_write leaves a record half sent), so an operation
  // ending there fails the stream. `counts`: completes with the bytes it moved. `empty()`: nothing
  // to do, so done at once whatever the stream's state (as Asio's streams do).
  struct handshake_call {
    static constexpr bool reads = false;
    static constexpr bool retry_bound = true;
    static constexpr bool counts = false;
    static bool empty() noexcept { return false; }
    int operator()(SSL* ssl, std::size_t*) { return SSL_do_handshake(ssl); }
    static error_code result_of(error_code ec) { return ec; }
  };
  struct read_call {
    static constexpr bool reads = true;
    static constexpr bool retry_bound = false;
    static constexpr bool counts = true;
    void* data = nullptr;
    std::size_t size = 0;
    bool empty() const noexcept { return size == 0; }
    int operator()(SSL* ssl, std::size_t* bytes) { return SSL_read_ex(ssl, data, size, bytes); }
    static error_code result_of(error_code ec) { return ec; }
  };
  struct write_call {
    static constexpr bool reads = false;
    static constexpr bool retry_bound = true;
    static constexpr bool counts = true;
    const void* data = nullptr;
    std::size_t size = 0;
    std::unique_ptr<unsigned char[]> gathered;  // the copy, when the first buffer is not enough

    template <class ConstBufferSequence>
    static write_call of(const ConstBufferSequence& buffers) {
      write_call call;
      const std::size_t total = boost::asio::buffer_size(buffers);
      call.size = total < record_size_max ? total : record_size_max;
      if (call.size == 0) return call;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer b = *it;
        if (b.size() == 0) continue;
        if (b.size() >= call.size) {
          call.data = b.data();
          return call;
        }
        break;
      }
      call.gathered = std::make_unique_for_overwrite<unsigned char[]>(call.size);
      boost::asio::buffer_copy(boost::asio::buffer(call.gathered.get(), call.size), buffers);
      call.data = call.gathered.get();
      return call;
    }
    bool empty() const noexcept { return size == 0; }
    int operator()(SSL* ssl, std::size_t* bytes) { return SSL_write_ex(ssl, data, size, bytes); }
    static error_code result_of(error_code ec) { return ec; }
  };
  struct shutdown_call {
    static constexpr bool reads = false;
    static constexpr bool retry_bound = true;
    static constexpr bool counts = false;
    static bool empty() noexcept { return false; }
    bool sent = false;
    std::size_t drained = 0;
    int operator()(SSL* ssl, std::size_t*) {
      if (!sent) {
        const int r = SSL_shutdown(ssl);
        // 0: close_notify sent, the peer's not yet read (not an error: SSL_get_error would
        // mislead); 1: the peer's came first; < 0: flush later, or an error.
        if (r != 0) return r;
        sent = true;
      }
      unsigned char discard[512];
      std::size_t n = 0;
      for (;;) {
        const int r = SSL_read_ex(ssl, discard, sizeof discard, &n);
        OPENSSL_cleanse(discard, sizeof discard);  // a request the session will not read
        if (r != 1) return r;                      // close_notify: SSL_ERROR_ZERO_RETURN
        drained += n;
        if (drained >= shutdown_drain_size_max) return 1;
      }
    }
    // The peer's close_notify is how a shutdown ends.
    static error_code result_of(error_code ec) {
      return ec == boost::asio::error::eof ? error_code{} : ec;
    }
  };

  // The composed operation: the call, then readiness waits and calls until it is done.
  template <class Call>
  struct operation {
    enum class state : std::uint8_t { starting, waiting, posted };
    operation(tls_socket_stream* s, Call c) : stream(s), call(std::move(c)) {}

    tls_socket_stream* stream;
    Call call;
    state at = state::starting;
    error_code result;
    std::size_t bytes = 0;

    template <class Self>
    void operator()(Self& self, error_code waited = {}) {
      if (at == state::posted) return deliver(self, result, bytes);
      if (at == state::waiting && waited) return finish(self, stream->after_wait(waited), 0);
      if (call.empty()) return finish(self, {}, 0);
      if (const auto refused = stream->refusal(Call::reads)) return finish(self, refused, 0);
      const outcome o = stream->attempt(call);
      if (o.next != wants::nothing) {
        at = state::waiting;
        stream->socket_.async_wait(
            o.next == wants::read ? socket_type::wait_read : socket_type::wait_write,
            std::move(self));
        return;
      }
      finish(self, Call::result_of(o.ec), o.bytes);
    }

    template <class Self>
    void finish(Self& self, error_code ec, std::size_t n) {
      if (ec && Call::retry_bound && at == state::waiting && !stream->failed_) {
        stream->failed_ = ec;
      }
      if (at == state::waiting) return deliver(self, ec, n);
      // Done within the initiating call: the handler must not run before that call returns.
      at = state::posted;
      result = ec;
      bytes = n;
      auto executor = stream->get_executor();
      boost::asio::post(executor, std::move(self));
    }

    template <class Self>
    static void deliver(Self& self, error_code ec, std::size_t n) {
      if constexpr (Call::counts) {
        self.complete(ec, n);
      } else {
        self.complete(ec);
      }
    }
  };

  // Why an operation may not call OpenSSL now; none when it may.
  error_code refusal(bool reads) const {
    if (timed_out_) return boost::beast::error::timeout;
    if (!socket_.is_open()) return boost::asio::error::bad_descriptor;
    if (failed_) return failed_;
    if (reads && reads_cancelled_) return boost::asio::error::operation_aborted;
    return {};
  }
  error_code after_wait(error_code waited) const {
    return timed_out_ ? error_code(boost::beast::error::timeout) : waited;
  }

  // One OpenSSL call on a clean error queue, and what it needs next. OpenSSL's error queue is the
  // thread's, shared by every connection on the worker: it is cleared before the call and read
  // and cleared after a failure, so that SSL_get_error sees only this call's errors.
  template <class Call>
  outcome attempt(Call& call) {
    ERR_clear_error();
    errno = 0;
    std::size_t bytes = 0;
    const int r = call(ssl_.get(), &bytes);
    const int saved_errno = errno;
    if (r == 1) return {wants::nothing, {}, bytes};
    const int reason = SSL_get_error(ssl_.get(), r);
    switch (reason) {
      case SSL_ERROR_WANT_READ:
        return {wants::read, {}, 0};
      case SSL_ERROR_WANT_WRITE:
        return {wants::write, {}, 0};
      case SSL_ERROR_ZERO_RETURN:
        return {wants::nothing, boost::asio::error::eof, 0};
      default:  // SSL_ERROR_SSL, SSL_ERROR_SYSCALL, and the callbacks' wants never set up here
        break;
    }
    failed_ = failure(reason, saved_errno);
    if (!failed_) failed_ = boost::asio::ssl::error::unspecified_system_error;
    ERR_clear_error();
    return {wants::nothing, failed_, 0};
  }

  // A fatal failure as Asio's engine names it: OpenSSL's first error if it queued one (an end of
  // stream without close_notify is stream_truncated), else for SSL_ERROR_SYSCALL the socket's
  // errno, or without one (the peer closed) stream_truncated.
  static error_code failure(int reason, int saved_errno) {
    const unsigned long code = ERR_get_error();
    if (code != 0) {
      if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
          ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return boost::asio::ssl::error::stream_truncated;
      }
      return {static_cast<int>(code), boost::asio::error::get_ssl_category()};
    }
    if (reason != SSL_ERROR_SYSCALL) return {reason, boost::asio::error::get_ssl_category()};
    if (saved_errno != 0) return {saved_errno, boost::system::system_category()};
    return boost::asio::ssl::error::stream_truncated;
  }

  struct ssl_free {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };

  socket_type socket_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<SSL, ssl_free> ssl_;  // freed before the socket closes; it never closes it
  error_code failed_;                   // set once: every later operation fails with it
  std::uint64_t deadline_ = 0;          // which expires_after the timer's wait belongs to
  bool timed_out_ = false;
  bool reads_cancelled_ = false;
};

}  // namespace sy::gateway::detail
