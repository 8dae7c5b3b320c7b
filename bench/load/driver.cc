// The load driver's connections (driver.h): the one Asio translation unit of the driver. A thread
// owns an io_context, its share of the connections and its own result; threads meet only at the
// start (every connection connected, one start time for all) and at the end (results merged).
#include "bench/load/driver.h"

#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <ctime>
#include <latch>
#include <memory>
#include <ostream>
#include <thread>
#include <vector>

#include "bench/load/arrival_schedule.h"
#include "bench/load/request_builder.h"
#include "bench/load/response_parser.h"

namespace sy::load {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using ssl_stream = ssl::stream<tcp::socket>;

// A connect or handshake not done in this long counts as failed: loopback answers in
// microseconds, so this only catches a server that accepts and then stalls.
constexpr auto connect_timeout = std::chrono::seconds(5);
// Between a failed connection and the next attempt, so a dead target is not spun on.
constexpr auto reconnect_pause = std::chrono::milliseconds(10);
// Idle connections are opened this many at a time per thread: enough to open 10,000 in seconds,
// few enough that the server's accept queue never overflows.
constexpr std::size_t idle_openers = 32;
// The read buffer: many pipelined answers per read; grown only for an answer larger than it.
constexpr std::size_t read_buffer_size = 64 * 1024;

// What every thread shares; nothing writes it once the run starts (OpenSSL locks the context's
// own state when connections are made from it).
struct run_setup {
  const options& o;
  ssl::context tls;
  tcp::endpoint endpoint;
  bool send_sni;
  std::string run_id;  // random: nonces and idempotency keys never repeat across runs
};

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

std::string random_run_id() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  std::string out;
  for (const unsigned char c : raw) out += alphabet[c % 62];
  return out;
}

std::uint64_t random_seed() {
  std::uint64_t seed = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
  return seed;
}

struct load_connection {
  load_connection(asio::io_context& io, const arrival_schedule& s, std::size_t depth)
      : wake(io), pace(io), schedule(s), starts(depth), in(read_buffer_size) {}

  std::unique_ptr<ssl_stream> stream;  // made anew per connection: an SSL stream is not reusable
  asio::steady_timer wake;             // the sender waits on it while the pipeline is full
  asio::steady_timer pace;             // open loop: the sender waits on it for the next arrival
  arrival_schedule schedule;
  std::uint64_t next_arrival = 0;
  // The start times of the requests in flight, oldest first (answers come in order).
  std::vector<clock_type::time_point> starts;
  std::size_t first = 0;
  std::size_t count = 0;
  std::string out;
  std::vector<char> in;
  std::size_t used = 0;
  bool connected = false;
  bool broken = false;
  bool sending_done = false;
  bool sender_waiting = false;
};

struct idle_connection {
  explicit idle_connection(std::unique_ptr<ssl_stream> s) : stream(std::move(s)) {}
  std::unique_ptr<ssl_stream> stream;
  std::array<char, 64> sink{};  // nothing arrives on an idle connection but its end
};

class worker {
 public:
  worker(run_setup& setup, std::size_t index, std::vector<std::uint64_t> connection_ids,
         std::uint64_t idle_count)
      : setup_(setup),
        o_(setup.o),
        builder_(request_settings{setup.o.target.host + ":" + std::to_string(setup.o.target.port),
                                  setup.o.target.path, setup.o.key_id, setup.o.secret, setup.o.sign,
                                  setup.o.amount_minor, setup.o.currency},
                 setup.run_id + "t" + std::to_string(index),
                 card_generator(setup.o.bin_ranges, static_cast<std::size_t>(setup.o.card_length),
                                random_seed())),
        go_(io_),
        watchdog_(io_),
        idle_requested_(idle_count) {
    const double rate = o_.mode == loop_mode::open ? o_.rate_per_s : 1.0;
    for (const auto id : connection_ids) {
      connections_.push_back(std::make_unique<load_connection>(
          io_, arrival_schedule(rate, static_cast<std::uint64_t>(o_.connections), id),
          static_cast<std::size_t>(o_.depth)));
    }
    result_.idle.requested = idle_count;
  }

  // The thread's body: connects, counts down `ready`, waits for go(), runs, returns when done.
  void run(std::latch& ready) {
    asio::co_spawn(io_, main(ready), asio::detached);
    io_.run();
  }

  // From another thread: starts the load at `start` (the same instant for every thread).
  void go(clock_type::time_point start) {
    asio::post(io_, [this, start] {
      start_ = start;
      end_ = start + std::chrono::duration_cast<clock_type::duration>(
                         std::chrono::duration<double>(o_.duration_s));
      go_.cancel();
    });
  }

  const run_result& result() const noexcept { return result_; }

 private:
  asio::awaitable<void> main(std::latch& ready);
  asio::awaitable<std::unique_ptr<ssl_stream>> connect();
  asio::awaitable<void> open_idle(std::uint64_t count);
  asio::awaitable<void> hold_idle(idle_connection& c);
  asio::awaitable<void> drive(load_connection& c);
  asio::awaitable<void> send_loop(load_connection& c);
  asio::awaitable<void> receive_loop(load_connection& c);
  void answered(load_connection& c, const response_head& head);
  void fail(load_connection& c, failure why);
  void count_failure(failure why) { ++result_.failures[static_cast<std::size_t>(why)]; }

  run_setup& setup_;
  const options& o_;
  asio::io_context io_{1};
  request_builder builder_;
  asio::steady_timer go_;
  asio::steady_timer watchdog_;
  clock_type::time_point start_;
  clock_type::time_point end_;
  std::vector<std::unique_ptr<load_connection>> connections_;
  std::size_t running_ = 0;
  std::vector<std::unique_ptr<idle_connection>> idle_;
  std::uint64_t idle_requested_;
  bool closing_idle_ = false;
  failure last_connect_failure_ = failure::connect;
  run_result result_;
};

// A TLS connection to the target, or null (why in last_connect_failure_) when it cannot be made
// in time.
asio::awaitable<std::unique_ptr<ssl_stream>> worker::connect() {
  auto stream = std::make_unique<ssl_stream>(io_, setup_.tls);
  auto& socket = stream->lowest_layer();
  asio::steady_timer deadline(io_, connect_timeout);
  deadline.async_wait([&socket](error_code ec) {
    if (!ec) socket.close(ec);
  });
  auto [connect_ec] = co_await socket.async_connect(setup_.endpoint, use_tuple);
  if (connect_ec) {
    last_connect_failure_ = failure::connect;
    co_return nullptr;
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (setup_.send_sni) {
    // SSL_set_tlsext_host_name is a macro with C casts; this is what it expands to.
    SSL_ctrl(stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(o_.target.host.c_str()));
  }
  if (!o_.cacert.empty()) stream->set_verify_callback(ssl::host_name_verification(o_.target.host));
  auto [handshake_ec] = co_await stream->async_handshake(ssl::stream_base::client, use_tuple);
  if (handshake_ec) {
    last_connect_failure_ = failure::handshake;
    co_return nullptr;
  }
  if (result_.tls_version.empty()) result_.tls_version = SSL_get_version(stream->native_handle());
  co_return stream;
}

asio::awaitable<void> worker::main(std::latch& ready) {
  const auto idle_started = clock_type::now();
  co_await open_idle(idle_requested_);
  result_.idle.open_s = std::chrono::duration<double>(clock_type::now() - idle_started).count();
  for (auto& c : connections_) {
    c->stream = co_await connect();
    c->connected = c->stream != nullptr;
    if (!c->connected) count_failure(last_connect_failure_);
  }
  ready.count_down();
  go_.expires_at(clock_type::time_point::max());
  co_await go_.async_wait(use_tuple);

  running_ = connections_.size();
  for (auto& c : connections_) {
    asio::co_spawn(io_, drive(*c), [this](std::exception_ptr) {
      if (--running_ == 0) watchdog_.cancel();
    });
  }
  watchdog_.expires_at(end_ + std::chrono::duration_cast<clock_type::duration>(
                                  std::chrono::duration<double>(o_.drain_timeout_s)));
  co_await watchdog_.async_wait(use_tuple);
  if (running_ > 0) {
    for (auto& c : connections_) {
      if (c->count > 0) fail(*c, failure::drain_timeout);
    }
    watchdog_.expires_at(clock_type::time_point::max());
    co_await watchdog_.async_wait(use_tuple);
  }
  result_.window_s = std::chrono::duration<double>(end_ - start_).count();
  closing_idle_ = true;
  error_code ignored;
  for (auto& c : idle_) c->stream->lowest_layer().close(ignored);
}

// Opens `count` idle connections, idle_openers at a time, each then held by hold_idle.
asio::awaitable<void> worker::open_idle(std::uint64_t count) {
  if (count == 0) co_return;
  std::uint64_t next = 0;
  auto opener = [this, &next, count]() -> asio::awaitable<void> {
    while (next < count) {
      ++next;
      auto stream = co_await connect();
      if (!stream) {
        ++result_.idle.failed;
        continue;
      }
      ++result_.idle.opened;
      idle_.push_back(std::make_unique<idle_connection>(std::move(stream)));
      asio::co_spawn(io_, hold_idle(*idle_.back()), asio::detached);
    }
  };
  // The openers run side by side; this waits for the last one.
  asio::steady_timer done(io_, clock_type::time_point::max());
  std::size_t active = std::min<std::uint64_t>(idle_openers, count);
  for (std::size_t i = 0, n = active; i < n; ++i) {
    asio::co_spawn(io_, opener(), [&active, &done](std::exception_ptr) {
      if (--active == 0) done.cancel();
    });
  }
  co_await done.async_wait(use_tuple);
}

asio::awaitable<void> worker::hold_idle(idle_connection& c) {
  co_await c.stream->async_read_some(asio::buffer(c.sink), use_tuple);
  if (!closing_idle_) ++result_.idle.closed_by_server;
}

asio::awaitable<void> worker::drive(load_connection& c) {
  for (;;) {
    if (!c.connected) {
      if (clock_type::now() >= end_) co_return;
      c.stream = co_await connect();
      c.connected = c.stream != nullptr;
      if (!c.connected) {
        count_failure(last_connect_failure_);
        c.pace.expires_after(reconnect_pause);
        co_await c.pace.async_wait(use_tuple);
        continue;
      }
    }
    c.broken = false;
    c.sending_done = false;
    c.used = 0;
    co_await (send_loop(c) && receive_loop(c));
    error_code ignored;
    c.stream->lowest_layer().close(ignored);
    c.connected = false;
    if (!c.broken || clock_type::now() >= end_) co_return;
  }
}

asio::awaitable<void> worker::send_loop(load_connection& c) {
  const auto depth = static_cast<std::size_t>(o_.depth);
  const bool open = o_.mode == loop_mode::open;
  while (!c.broken) {
    const auto now = clock_type::now();
    const std::int64_t unix_now = std::time(nullptr);
    if (open) {
      const auto due = start_ + c.schedule.at(c.next_arrival);
      if (due >= end_) break;
      if (c.count < depth && due > now) {
        c.pace.expires_at(due);
        co_await c.pace.async_wait(use_tuple);
        continue;
      }
      // Every arrival already due goes now, in one write; each keeps its intended time.
      for (auto at = due; c.count < depth && at <= now && at < end_;
           at = start_ + c.schedule.at(c.next_arrival)) {
        c.starts[(c.first + c.count++) % depth] = at;
        ++c.next_arrival;
        ++result_.requests_sent;
        builder_.append(c.out, unix_now);
      }
    } else {
      if (now >= end_) break;
      while (c.count < depth) {
        c.starts[(c.first + c.count++) % depth] = now;
        ++result_.requests_sent;
        builder_.append(c.out, unix_now);
      }
    }
    if (!c.out.empty()) {
      auto [ec, n] = co_await asio::async_write(*c.stream, asio::buffer(c.out), use_tuple);
      c.out.clear();
      if (ec) {
        fail(c, failure::write);
        break;
      }
    }
    if (c.count == depth && !c.broken) {
      c.sender_waiting = true;
      c.wake.expires_at(clock_type::time_point::max());
      co_await c.wake.async_wait(use_tuple);
      c.sender_waiting = false;
    }
  }
  c.sending_done = true;
  // Nothing left to read: end the receiver's pending read.
  error_code ignored;
  if (c.count == 0) c.stream->lowest_layer().close(ignored);
}

asio::awaitable<void> worker::receive_loop(load_connection& c) {
  const auto depth = static_cast<std::size_t>(o_.depth);
  while (!c.broken && !(c.sending_done && c.count == 0)) {
    if (c.used == c.in.size()) c.in.resize(c.in.size() * 2);
    auto [ec, n] = co_await c.stream->async_read_some(
        asio::buffer(c.in.data() + c.used, c.in.size() - c.used), use_tuple);
    if (ec) {
      if (!(c.sending_done && c.count == 0)) {
        fail(c, ec == asio::error::eof || ec == ssl::error::stream_truncated ? failure::closed
                                                                             : failure::read);
      }
      break;
    }
    c.used += n;
    std::size_t consumed = 0;
    response_head head;
    for (;;) {
      const auto parsed =
          parse_response(std::string_view(c.in.data() + consumed, c.used - consumed), head);
      if (parsed == parse_result::incomplete) break;
      if (parsed == parse_result::malformed || c.count == 0) {
        fail(c, failure::malformed);
        co_return;
      }
      answered(c, head);
      consumed += head.size;
      if (head.close) {
        fail(c, failure::closed);
        co_return;
      }
    }
    std::copy(c.in.begin() + static_cast<std::ptrdiff_t>(consumed),
              c.in.begin() + static_cast<std::ptrdiff_t>(c.used), c.in.begin());
    c.used -= consumed;
    if (c.sender_waiting && c.count < depth) c.wake.cancel();
  }
}

void worker::answered(load_connection& c, const response_head& head) {
  const auto now = clock_type::now();
  const auto started = c.starts[c.first];
  c.first = (c.first + 1) % c.starts.size();
  --c.count;
  ++result_.responses;
  if (now < end_) ++result_.responses_in_window;
  result_.latency_ns.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - started).count()));
  ++result_.statuses[static_cast<std::size_t>(head.status)];
  result_.response_body_bytes += head.body_size;
}

void worker::fail(load_connection& c, failure why) {
  if (c.broken || !c.connected) return;
  c.broken = true;
  count_failure(why);
  result_.requests_lost += c.count;
  c.count = 0;
  c.first = 0;
  error_code ignored;
  c.stream->lowest_layer().close(ignored);
  c.wake.cancel();
  c.pace.cancel();
}

}  // namespace

std::string_view to_string(failure f) noexcept {
  switch (f) {
    case failure::connect:
      return "connect";
    case failure::handshake:
      return "handshake";
    case failure::write:
      return "write";
    case failure::read:
      return "read";
    case failure::closed:
      return "closed";
    case failure::malformed:
      return "malformed";
    case failure::drain_timeout:
      return "drain_timeout";
  }
  return "unknown";
}

void run_result::merge(const run_result& other) {
  latency_ns.merge(other.latency_ns);
  for (std::size_t i = 0; i < statuses.size(); ++i) statuses[i] += other.statuses[i];
  for (std::size_t i = 0; i < failures.size(); ++i) failures[i] += other.failures[i];
  requests_sent += other.requests_sent;
  responses += other.responses;
  responses_in_window += other.responses_in_window;
  requests_lost += other.requests_lost;
  response_body_bytes += other.response_body_bytes;
  window_s = std::max(window_s, other.window_s);
  if (tls_version.empty()) tls_version = other.tls_version;
  idle.requested += other.idle.requested;
  idle.opened += other.idle.opened;
  idle.failed += other.idle.failed;
  idle.closed_by_server += other.idle.closed_by_server;
  idle.open_s = std::max(idle.open_s, other.idle.open_s);
}

run_result run_load(const options& o, std::ostream& progress) {
  run_setup setup{o, ssl::context(ssl::context::tls_client), {}, false, random_run_id()};
  SSL_CTX* native = setup.tls.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // An idle connection keeps no read or write buffer: 10,000 of them stay cheap in the driver.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (!o.cacert.empty()) {
    setup.tls.load_verify_file(o.cacert);
    setup.tls.set_verify_mode(ssl::verify_peer);
  }
  {
    asio::io_context resolving;
    tcp::resolver resolver(resolving);
    setup.endpoint = *resolver.resolve(o.target.host, std::to_string(o.target.port)).begin();
  }
  error_code not_ip;
  asio::ip::make_address(o.target.host, not_ip);
  setup.send_sni = static_cast<bool>(not_ip);

  const auto threads = static_cast<std::size_t>(o.threads);
  std::vector<std::unique_ptr<worker>> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    std::vector<std::uint64_t> ids;
    for (auto id = static_cast<std::uint64_t>(t); id < static_cast<std::uint64_t>(o.connections);
         id += threads) {
      ids.push_back(id);
    }
    const auto idle = static_cast<std::uint64_t>(o.idle_connections);
    workers.push_back(std::make_unique<worker>(setup, t, std::move(ids),
                                               idle / threads + (t < idle % threads ? 1 : 0)));
  }
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w, &ready] { w->run(ready); });
  ready.wait();
  if (o.idle_connections > 0) {
    std::uint64_t opened = 0;
    for (const auto& w : workers) opened += w->result().idle.opened;
    progress << "switchyard-load: " << opened << " idle connections open" << std::endl;
    std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_hold_s));
  }

  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  const auto start = clock_type::now();
  for (auto& w : workers) w->go(start);
  for (auto& t : running) t.join();
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);

  run_result total;
  for (const auto& w : workers) total.merge(w->result());
  total.cpu_user_s = seconds(after.ru_utime) - seconds(before.ru_utime);
  total.cpu_system_s = seconds(after.ru_stime) - seconds(before.ru_stime);
  return total;
}

}  // namespace sy::load
