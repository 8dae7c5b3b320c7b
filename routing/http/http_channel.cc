// The HTTP channel's connections, the one Beast translation unit of sy_http_channel: a pool of
// keep-alive connections (one request at a time on each, HTTP/1.1 without pipelining), the
// queue of requests waiting for one, deadlines, and reconnects. All state lives on one strand.
#include "routing/http/http_channel.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include "config/limits.h"
#include "routing/backoff.h"
#include "routing/http/errc.h"
#include "routing/http/provider_signature.h"

namespace sy::routing::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using strand_type = asio::strand<asio::io_context::executor_type>;

// One request on its way: what to send, where to complete, and by when.
struct call {
  operation op = operation::charge;
  bool status_query = false;
  std::string id;
  std::optional<protocol::money> amount;
  bhttp::verb method = bhttp::verb::post;
  std::string target;
  std::string body;
  clearing::store::executor ex;
  http_channel::handler done;
  clock::time_point deadline;
  std::uint32_t attempts = 0;
  bool finished = false;
};

using call_ptr = std::shared_ptr<call>;

enum class conn_state : std::uint8_t { closed, connecting, idle, busy };

// The errc of a transport failure after the request was (maybe) written.
errc failure_of(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return errc::timeout;
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
      ec == bhttp::error::buffer_overflow) {
    return errc::answer_too_large;
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return errc::connection_lost;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return errc::malformed_http;
  }
  return errc::connection_lost;
}

std::string unix_seconds_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

// The Host header: the port only when it is not the scheme's default.
std::string host_header(const base_url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

class connection_base {
 public:
  virtual ~connection_base() = default;
  virtual void connect() = 0;
  // Writes `c` on this idle connection; false (still idle) when it could not be signed.
  virtual bool start(call_ptr c) = 0;
  virtual void close() = 0;
  conn_state state = conn_state::closed;
  call_ptr current;  // busy: the request on the wire
};

}  // namespace

struct http_channel::impl : std::enable_shared_from_this<http_channel::impl> {
  impl(asio::io_context& io, const config::channel& s, hsm::backend& h, base_url url,
       channel_health* channel)
      : strand(asio::make_strand(io)),
        settings(s),
        hsm(h),
        health(channel),
        base(std::move(url)),
        host(host_header(base)),
        waiting_max(static_cast<std::size_t>(s.connection_count * s.inflight_max)),
        queue_timer(strand),
        probe_timer(strand),
        jitter(std::random_device{}()) {}

  void submit(call_ptr c);
  void dispatch();
  void finish(call& c, channel_result r);
  void connected(connection_base& conn, const boost::system::error_code& ec);
  void retry(call_ptr c);
  void arm_queue_timer();
  void expire_waiting();
  void report_up(bool up);
  void arm_probe();
  void record(const call& c, const channel_result& r);
  void stop_now();

  strand_type strand;
  config::channel settings;
  hsm::backend& hsm;
  channel_health* health;  // may be null
  base_url base;
  std::string host;
  std::size_t waiting_max;
  std::optional<asio::ssl::context> tls;
  std::deque<call_ptr> waiting;
  std::vector<std::shared_ptr<connection_base>> connections;
  asio::steady_timer queue_timer;
  clock::time_point armed_for{};
  asio::steady_timer probe_timer;  // while the provider refuses connections
  std::uint32_t connect_failures = 0;
  bool probing = false;  // a probe is scheduled: no other connect without traffic meanwhile
  std::minstd_rand jitter;
  bool stopped = false;
  bool warned_connect = false;
  std::atomic<std::uint64_t> fail_countdown{0};
  std::atomic<std::uint64_t> requests{0}, answered{0}, accepted{0}, timed_out_count{0},
      not_sent_count{0}, connects{0}, retries{0}, connections_up{0};
};

namespace {

using impl = http_channel::impl;

// One keep-alive connection over Stream: beast::tcp_stream or ssl_stream<tcp_stream>.
template <class Stream>
class connection final : public connection_base,
                         public std::enable_shared_from_this<connection<Stream>> {
 public:
  explicit connection(impl& owner) : owner_(owner), resolver_(owner.strand) {}

  void connect() override {
    state = conn_state::connecting;
    ++generation_;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.emplace(owner_.strand);
    } else {
      stream_.emplace(owner_.strand, *owner_.tls);
    }
    buffer_.clear();
    reused_ = false;
    resolver_.async_resolve(
        owner_.base.host, std::to_string(owner_.base.port),
        [self = this->shared_from_this(), keep = owner_.shared_from_this(), g = generation_](
            boost::system::error_code ec, tcp::resolver::results_type found) {
          if (g != self->generation_) return;
          if (ec) return self->owner_.connected(*self, ec);
          self->tcp_connect(found);
        });
  }

  bool start(call_ptr c) override {
    auto nonce = make_nonce();
    const std::string timestamp = unix_seconds_now();
    const std::string_view method = bhttp::to_string(c->method);
    result<std::string> signature = make_error_code(errc::signing_failed);
    if (nonce) {
      const auto parts =
          string_to_sign(request_parts{timestamp, *nonce, method, c->target, c->body});
      signature = sign(owner_.hsm, owner_.settings.signing_key, parts);
    }
    if (!signature) {
      owner_.finish(*c, not_sent(errc::signing_failed));
      return false;
    }
    nonce_ = std::move(*nonce);
    request_ = {};
    request_.method(c->method);
    request_.target(c->target);
    request_.version(11);
    request_.set(bhttp::field::host, owner_.host);
    request_.set(timestamp_header, timestamp);
    request_.set(nonce_header, nonce_);
    request_.set(signature_header, *signature);
    if (c->method == bhttp::verb::post)
      request_.set(bhttp::field::content_type, "application/json");
    request_.keep_alive(true);
    request_.body() = c->body;
    request_.prepare_payload();
    state = conn_state::busy;
    current = std::move(c);
    beast::get_lowest_layer(*stream_).expires_at(current->deadline);
    bhttp::async_write(*stream_, request_,
                       [self = this->shared_from_this(), keep = owner_.shared_from_this(),
                        g = generation_](boost::system::error_code ec, std::size_t) {
                         if (g != self->generation_) return;
                         if (ec) return self->failed(ec, true);
                         self->read();
                       });
    return true;
  }

  void close() override {
    if (state == conn_state::idle || state == conn_state::busy) --owner_.connections_up;
    state = conn_state::closed;
    ++generation_;
    resolver_.cancel();
    if (stream_) beast::get_lowest_layer(*stream_).close();
  }

 private:
  void tcp_connect(const tcp::resolver::results_type& found) {
    auto& layer = beast::get_lowest_layer(*stream_);
    layer.expires_after(std::chrono::milliseconds(owner_.settings.connect_timeout_ms));
    layer.async_connect(
        found, [self = this->shared_from_this(), keep = owner_.shared_from_this(), g = generation_](
                   boost::system::error_code ec, const tcp::endpoint&) {
          if (g != self->generation_) return;
          if (ec) return self->owner_.connected(*self, ec);
          boost::system::error_code ignored;
          beast::get_lowest_layer(*self->stream_).socket().set_option(tcp::no_delay(true), ignored);
          self->handshake();
        });
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      owner_.connected(*this, {});
    } else {
      const auto& tls = owner_.settings.tls;
      const std::string& name = tls.server_name.empty() ? owner_.base.host : tls.server_name;
      // SNI, and the certificate must name the host (or the configured server_name).
      // SSL_set_tlsext_host_name is a macro with C casts; this is what it expands to.
      SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
      stream_->set_verify_callback(asio::ssl::host_name_verification(name));
      stream_->async_handshake(asio::ssl::stream_base::client,
                               [self = this->shared_from_this(), keep = owner_.shared_from_this(),
                                g = generation_](boost::system::error_code ec) {
                                 if (g != self->generation_) return;
                                 self->owner_.connected(*self, ec);
                               });
    }
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(limits::http_channel_body_size_max);
    parser_->header_limit(static_cast<std::uint32_t>(limits::http_channel_header_size_max));
    bhttp::async_read(*stream_, buffer_, *parser_,
                      [self = this->shared_from_this(), keep = owner_.shared_from_this(),
                       g = generation_](boost::system::error_code ec, std::size_t) {
                        if (g != self->generation_) return;
                        if (ec) return self->failed(ec, !self->parser_->got_some());
                        self->answered();
                      });
  }

  // A transport failure with `current` on the wire. A reused keep-alive connection that the
  // provider closed while idle shows up as a failure before any answer byte: the request is
  // repeated once on a fresh connection (safe: the provider is idempotent on the request id).
  void failed(const boost::system::error_code& ec, bool nothing_received) {
    call_ptr c = std::move(current);
    const bool was_reused = reused_;
    close();
    if (c->finished) return owner_.dispatch();
    const errc why = failure_of(ec);
    if (was_reused && nothing_received && why == errc::connection_lost &&
        c->attempts + 1 < limits::http_channel_attempt_count_max) {
      return owner_.retry(std::move(c));
    }
    owner_.finish(*c, timed_out(why));
    owner_.dispatch();
  }

  void answered() {
    call_ptr c = std::move(current);
    auto& res = parser_->get();
    const answer_expectation expected{c->op, c->id, c->amount, c->status_query};
    channel_result r = interpret_answer(owner_.hsm, owner_.settings.signing_key, nonce_, expected,
                                        {res.result_int(), std::string_view(res[timestamp_header]),
                                         std::string_view(res[signature_header]), res.body()});
    // An answer that cannot be trusted leaves the stream's state unknown: never reuse it.
    const bool keep = res.keep_alive() && r.kind != result_kind::timed_out;
    owner_.finish(*c, std::move(r));
    reused_ = true;
    if (keep) {
      state = conn_state::idle;
    } else {
      close();
    }
    owner_.dispatch();
  }

  impl& owner_;
  tcp::resolver resolver_;
  std::optional<Stream> stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::string nonce_;
  std::uint64_t generation_ = 0;  // bumped by connect and close: stale completions are ignored
  bool reused_ = false;
};

}  // namespace

void http_channel::impl::submit(call_ptr c) {
  if (stopped) return finish(*c, not_sent(errc::stopped));
  if (waiting.size() >= waiting_max) return finish(*c, not_sent(errc::queue_full));
  waiting.push_back(std::move(c));
  dispatch();
}

void http_channel::impl::retry(call_ptr c) {
  ++c->attempts;
  ++retries;
  waiting.push_front(std::move(c));
  dispatch();
}

void http_channel::impl::dispatch() {
  if (stopped) return;
  for (auto& conn : connections) {
    while (conn->state == conn_state::idle && !waiting.empty()) {
      call_ptr c = std::move(waiting.front());
      waiting.pop_front();
      conn->start(std::move(c));
    }
  }
  std::size_t connecting = 0;
  for (const auto& conn : connections) connecting += conn->state == conn_state::connecting;
  for (auto& conn : connections) {
    if (connecting >= waiting.size()) break;
    if (conn->state != conn_state::closed) continue;
    conn->connect();
    ++connecting;
  }
  // One connection stays open even when idle, so health tells whether the provider is there.
  if (connecting == 0 && connections_up == 0 && !probing) connections.front()->connect();
  arm_queue_timer();
}

void http_channel::impl::connected(connection_base& conn, const boost::system::error_code& ec) {
  if (stopped) return conn.close();
  if (!ec) {
    conn.state = conn_state::idle;
    ++connects;
    ++connections_up;
    connect_failures = 0;
    report_up(true);
    return dispatch();
  }
  conn.close();
  report_up(false);
  arm_probe();
  if (!warned_connect) {
    warned_connect = true;
    // JSON line; the host is configuration, the message the system's: no secrets.
    std::fprintf(stderr,
                 "{\"level\":\"warn\",\"component\":\"routing.http\",\"channel\":\"%s\","
                 "\"event\":\"connect_failed\",\"detail\":\"%s\",\"note\":\"logged once, "
                 "counted after\"}\n",
                 settings.id.c_str(), ec.message().c_str());
  }
  // The provider refuses connections: every waiting request is provably unsent, and the route's
  // next channel is a better bet than a loop of reconnects.
  auto failed = std::move(waiting);
  waiting.clear();
  for (auto& c : failed) finish(*c, not_sent(errc::connect_failed));
  arm_queue_timer();
}

void http_channel::impl::report_up(bool up) {
  if (health == nullptr) return;
  health->set_connected(up);
  health->set_signed_on(up);
}

// After a refused connection, one connection tries again with backoff and jitter (the bank
// link's reconnect schedule), so the channel comes back without waiting for traffic.
void http_channel::impl::arm_probe() {
  ++connect_failures;
  const backoff probe{std::chrono::milliseconds{limits::link_reconnect_base_ms},
                      std::chrono::milliseconds{limits::link_reconnect_max_ms}};
  probe_timer.expires_after(backoff_delay(connect_failures, probe, jitter()));
  probing = true;
  probe_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->probing = false;
    if (ec || self->stopped) return;
    self->dispatch();
  });
}

// The circuit breaker sees charges and refunds; status queries only look.
void http_channel::impl::record(const call& c, const channel_result& r) {
  if (health == nullptr || c.status_query) return;
  const auto now = channel_health::clock::now();
  switch (r.kind) {
    case result_kind::answered:
    case result_kind::accepted:
      return health->circuit().record_success(now);
    case result_kind::timed_out:
      return health->circuit().record_timeout(now);
    case result_kind::not_sent:
      if (r.error == errc::connect_failed || r.error == errc::unavailable) {
        health->circuit().record_failure(now);
      }
      return;
  }
}

void http_channel::impl::finish(call& c, channel_result r) {
  if (c.finished) return;
  c.finished = true;
  record(c, r);
  switch (r.kind) {
    case result_kind::answered:
      ++answered;
      break;
    case result_kind::accepted:
      ++accepted;
      break;
    case result_kind::timed_out:
      ++timed_out_count;
      break;
    case result_kind::not_sent:
      ++not_sent_count;
      break;
  }
  c.ex.post(c.ex.context, [done = std::move(c.done), r = std::move(r)] { done(r); });
}

// One timer for the whole queue: every request has the same timeout, so the front of the queue
// always has the earliest deadline.
void http_channel::impl::arm_queue_timer() {
  if (waiting.empty() || waiting.front()->deadline == armed_for) return;
  armed_for = waiting.front()->deadline;
  queue_timer.expires_at(armed_for);
  queue_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->expire_waiting();
  });
}

void http_channel::impl::expire_waiting() {
  armed_for = {};
  const auto now = clock::now();
  while (!waiting.empty() && waiting.front()->deadline <= now) {
    finish(*waiting.front(), not_sent(errc::queue_timeout));
    waiting.pop_front();
  }
  arm_queue_timer();
}

void http_channel::impl::stop_now() {
  if (stopped) return;
  stopped = true;
  for (auto& c : waiting) finish(*c, not_sent(errc::stopped));
  waiting.clear();
  for (auto& conn : connections) {
    if (conn->current) finish(*conn->current, timed_out(errc::stopped));
    conn->close();
  }
  queue_timer.cancel();
  probe_timer.cancel();
}

namespace {

error_code make_tls_context(std::optional<asio::ssl::context>& out, const config::channel_tls& s) {
  auto& tls = out.emplace(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1,
                  ec);
  if (!ec) tls.set_verify_mode(asio::ssl::verify_peer, ec);
  if (!ec)
    s.ca_path.empty() ? tls.set_default_verify_paths(ec) : tls.load_verify_file(s.ca_path, ec);
  if (!ec && !s.certificate_path.empty()) {
    tls.use_certificate_chain_file(s.certificate_path, ec);
    if (!ec) tls.use_private_key_file(s.key_path, asio::ssl::context::pem, ec);
  }
  return ec;
}

}  // namespace

result<std::unique_ptr<http_channel>> http_channel::create(asio::io_context& io,
                                                           const config::channel& settings,
                                                           hsm::backend& hsm,
                                                           channel_health* health) {
  auto url = parse_base_url(settings.base_url);
  if (!url) return url.error();
  auto state = std::make_shared<impl>(io, settings, hsm, std::move(*url), health);
  if (state->base.tls || settings.tls.enabled) {
    state->base.tls = true;
    if (const auto ec = make_tls_context(state->tls, settings.tls)) return ec;
  }
  for (std::int64_t i = 0; i < settings.connection_count; ++i) {
    if (state->tls) {
      state->connections.push_back(
          std::make_shared<connection<beast::ssl_stream<beast::tcp_stream>>>(*state));
    } else {
      state->connections.push_back(std::make_shared<connection<beast::tcp_stream>>(*state));
    }
  }
  // One connection at once, so health tells the truth before the first request.
  asio::post(state->strand, [state] { state->dispatch(); });
  return std::unique_ptr<http_channel>(new http_channel(std::move(state)));
}

http_channel::http_channel(std::shared_ptr<impl> state) noexcept : impl_(std::move(state)) {}

http_channel::~http_channel() {
  stop();
}

void http_channel::send(wallet_request request, clearing::store::executor ex, handler done) {
  ++impl_->requests;
  auto countdown = impl_->fail_countdown.load();
  while (countdown != 0 && !impl_->fail_countdown.compare_exchange_weak(countdown, countdown - 1)) {
  }
  if (countdown == 1) {
    ++impl_->not_sent_count;
    return ex.post(ex.context,
                   [d = std::move(done)] { d(not_sent(make_error_code(errc::injected_failure))); });
  }
  auto c = std::make_shared<call>();
  c->op = request.op;
  c->id = request.id;
  c->amount = request.amount;
  c->target = request_target(impl_->base, request.op);
  c->ex = ex;
  c->done = std::move(done);
  c->deadline = clock::now() + std::chrono::milliseconds(impl_->settings.request_timeout_ms);
  auto body = request_body(request);
  if (!body) {
    c->finished = true;
    ++impl_->not_sent_count;
    return ex.post(ex.context, [d = std::move(c->done), e = body.error()] { d(not_sent(e)); });
  }
  c->body = std::move(*body);
  asio::post(impl_->strand, [state = impl_, c = std::move(c)] { state->submit(c); });
}

void http_channel::query_status(operation op, std::string id, clearing::store::executor ex,
                                handler done) {
  ++impl_->requests;
  if (!is_request_id(id)) {
    ++impl_->not_sent_count;
    return ex.post(ex.context, [d = std::move(done)] {
      d(not_sent(make_error_code(errc::bad_request_value)));
    });
  }
  auto c = std::make_shared<call>();
  c->op = op;
  c->status_query = true;
  c->method = bhttp::verb::get;
  c->target = status_target(impl_->base, op, id);
  c->id = std::move(id);
  c->ex = ex;
  c->done = std::move(done);
  c->deadline = clock::now() + std::chrono::milliseconds(impl_->settings.request_timeout_ms);
  asio::post(impl_->strand, [state = impl_, c = std::move(c)] { state->submit(c); });
}

void http_channel::stop() {
  asio::post(impl_->strand, [state = impl_] { state->stop_now(); });
}

void http_channel::fail_nth_send(std::uint64_t n) noexcept {
  impl_->fail_countdown.store(n);
}

http_channel_counters http_channel::counters() const noexcept {
  const auto& s = *impl_;
  return {s.requests.load(),       s.answered.load(), s.accepted.load(), s.timed_out_count.load(),
          s.not_sent_count.load(), s.connects.load(), s.retries.load(),  s.connections_up.load()};
}

}  // namespace sy::routing::http
