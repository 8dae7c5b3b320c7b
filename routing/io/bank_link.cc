// The bank link's sockets, the one Asio translation unit of the channels: per connection a
// connect / TLS / sign-on / echo / reconnect cycle, a framed read loop, batched writes and the
// in-flight table; per link the store-and-forward loop of reversals (docs/bank-link.md).
#include "routing/io/bank_link.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

#include "clearing/store/errc.h"
#include "config/redact.h"
#include "hsm/pan_protection.h"
#include "protocol/iso8583/framing.h"
#include "routing/backoff.h"
#include "routing/link/errc.h"
#include "routing/link/inflight.h"

namespace sy::routing::io {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace store = clearing::store;
using clearing::now_ms;
using tcp = asio::ip::tcp;
using link::link_clock;

// Read window beyond the largest frame: one read can bring many small frames at once.
constexpr std::size_t read_window_size = 16 * 1024;
// Messages are built here before they are framed: the largest frame any spec allows.
constexpr std::size_t build_buffer_size = limits::iso8583_frame_size_max;
// Expired requests taken from the in-flight table per call.
constexpr std::size_t expire_batch_size = 64;

// Degraded paths: each is logged once per link at warn, and counted in link_metrics.
enum class warning : std::uint8_t {
  connect_failed,
  sign_on_refused,
  framing,
  malformed,
  late,
  duplicate,
  unknown,
  echo_unanswered,
  numbers,
  reversal_unbuildable,
  store,
  count
};

constexpr std::array<std::string_view, static_cast<std::size_t>(warning::count)> warning_events{
    "connect_failed",      "sign_on_refused",      "framing_error",      "malformed_response",
    "late_response",       "duplicate_response",   "unknown_response",   "echo_unanswered",
    "numbers_unavailable", "reversal_unbuildable", "store_commit_failed"};

// What an outstanding message on a connection is for.
enum class role : std::uint8_t { financial, sign_on, echo, sign_off, reversal };

// The position of `name` in `names`; the last slot ("other") when it is not there.
template <std::size_t N>
std::size_t slot_of(const std::array<std::string_view, N>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? N - 1 : static_cast<std::size_t>(it - names.begin());
}

protocol::iso8583::framing framing_of(config::framing f) noexcept {
  return f == config::framing::ascii4 ? protocol::iso8583::framing::ascii4
                                      : protocol::iso8583::framing::binary2;
}

// DE 12/13 of the messages the link makes itself (reversals): the link keeps no acceptor time
// zone for them, so they carry the switch's UTC time.
std::chrono::local_seconds local_now() {
  const auto utc = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return std::chrono::local_seconds{utc.time_since_epoch()};
}

store::executor executor_of(asio::io_context& io) noexcept {
  return {&io, [](void* context, std::function<void()> work) {
            asio::post(*static_cast<asio::io_context*>(context), std::move(work));
          }};
}

// Frames carry the clear PAN: their bytes are wiped as soon as they are written or dropped.
void wipe(std::string& bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  bytes.clear();
}

// The built message in `buffer[0, size)` with its length prefix, as one frame to write; the
// build buffer is wiped, since a financial message or a reversal holds the clear PAN.
std::string framed(protocol::iso8583::framing framing, std::int64_t frame_size_max,
                   std::span<char> buffer, std::size_t size) {
  std::string frame(protocol::iso8583::prefix_size(framing), '\0');
  // The builders never exceed the buffer, which is no larger than any frame cap allows.
  (void)protocol::iso8583::encode_frame_prefix(framing, size,
                                               static_cast<std::size_t>(frame_size_max), frame);
  frame.append(buffer.data(), size);
  OPENSSL_cleanse(buffer.data(), size);
  return frame;
}

void post_result(const store::executor& ex, exchange_handler done, exchange_result result) {
  ex.post(ex.context, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

exchange_result not_sent(error_code why) {
  exchange_result r;
  r.status = exchange_status::not_sent;
  r.outcome = clearing::channel_failed{};
  r.error = why;
  return r;
}

exchange_result timed_out() {
  exchange_result r;
  r.status = exchange_status::timed_out;
  r.outcome = clearing::channel_timed_out{};
  return r;
}

// A JSON warn line; `detail` is the link's own text or an error message, never message data.
void emit_warn(const store::log_sink& log, std::string_view channel, std::string_view event,
               std::string_view detail) {
  std::string line = "{\"level\":\"warn\",\"component\":\"link\",\"channel\":\"";
  line.append(channel).append("\",\"event\":\"").append(event).append("\",\"detail\":\"");
  append_log_text(line, detail);
  line += "\",\"note\":\"logged once, counted after\"}";
  if (log) return log(line);
  std::fprintf(stderr, "%s\n", line.c_str());
}

// Thread-safe jitter for reconnects and reversal repeats when the caller injects none.
std::function<std::uint64_t()> seeded_random() {
  auto state = std::make_shared<std::atomic<std::uint64_t>>(
      (static_cast<std::uint64_t>(std::random_device{}()) << 32) | std::random_device{}());
  return [state] {  // splitmix64
    std::uint64_t z = state->fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
}

link_options with_random(link_options o) {
  if (!o.random) o.random = seeded_random();
  return o;
}

// Counters shared by the link's connections; relaxed atomics (a snapshot need not be exact).
struct atomic_metrics {
  using counter = std::atomic<std::uint64_t>;
  std::array<counter, request_mtis.size()> requests{};
  std::array<counter, response_codes.size()> responses{};
  counter timeouts{0}, late{0}, duplicate{0}, unknown{0}, malformed{0}, framing_errors{0};
  counter refused_full{0}, refused_down{0}, send_failures{0};
  counter reversals_pending{0}, reversals_sent{0}, reversals_acknowledged{0}, echo_failures{0};
  counter bank_requests_answered{0};
  std::array<counter, latency_bucket_bounds_ms.size() + 1> latency{};
  counter latency_sum_us{0};
  counter connections_up{0}, connections_signed_on{0}, reconnects{0};
};

void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.fetch_add(1, std::memory_order_relaxed);
}
void drop(std::atomic<std::uint64_t>& c) noexcept {
  c.fetch_sub(1, std::memory_order_relaxed);
}
std::uint64_t read(const std::atomic<std::uint64_t>& c) noexcept {
  return c.load(std::memory_order_relaxed);
}

class connection;

}  // namespace

struct bank_link::impl : std::enable_shared_from_this<bank_link::impl> {
  impl(const config::channel& c, std::vector<asio::io_context*> ios, link_services s,
       link_options o)
      : channel(c),
        contexts(std::move(ios)),
        services(std::move(s)),
        options(with_random(std::move(o))),
        saf(options.reversal, options.random),
        saf_timer(*contexts.at(0)) {
    if (channel.mac_key) authenticator.emplace(*services.hsm, *channel.mac_key);
    context = link::link_context::of(channel, authenticator ? &*authenticator : nullptr);
  }

  // ---- any thread ----
  void warn(warning kind, std::string_view detail) {
    if (warned[static_cast<std::size_t>(kind)].exchange(true)) return;
    emit_warn(services.log, channel.id, warning_events[static_cast<std::size_t>(kind)], detail);
  }
  result<void> open_tls();
  result<link::trace_numbers> next_numbers(std::chrono::year_month_day date);
  // STAN and RRN for a message the link makes itself, on the latest business date seen.
  result<link::trace_numbers> control_numbers() {
    return next_numbers(std::chrono::year_month_day{
        std::chrono::sys_days{std::chrono::days{business_day.load(std::memory_order_relaxed)}}});
  }
  void request_reservation(std::chrono::year_month_day date);
  std::shared_ptr<connection> least_loaded_ready() const;
  void update_health() const {
    if (services.health == nullptr) return;
    services.health->set_connected(read(metrics.connections_up) > 0);
    services.health->set_signed_on(read(metrics.connections_signed_on) > 0);
  }
  void count_request(std::string_view mti) { bump(metrics.requests[slot_of(request_mtis, mti)]); }
  void send(const outgoing_request& request, store::executor ex, exchange_handler done);
  void stop(std::function<void()> done);
  // A connection has closed for good, or the store-and-forward loop has ended.
  void part_finished();

  // ---- store-and-forward, on contexts[0] only ----
  void saf_arm(std::chrono::milliseconds after);
  void saf_tick();
  void saf_attempt(link::saf_queue::attempt a);
  void saf_send(const link::saf_queue::attempt& a);
  void saf_acknowledged(const std::string& key);
  void saf_erase(const std::string& key, store::unit_of_work unit);
  void saf_stop();

  const config::channel channel;
  const std::vector<asio::io_context*> contexts;
  const link_services services;
  const link_options options;
  std::optional<link::hsm_authenticator> authenticator;
  link::link_context context;  // views into `channel`
  std::optional<ssl::context> tls;
  std::shared_ptr<link::sequence_allocator> allocator;  // shared with reservation completions
  std::atomic<int> business_day{0};                     // sys_days of the latest date seen

  std::vector<std::shared_ptr<connection>> connections;  // fixed once started

  link::saf_queue saf;
  asio::steady_timer saf_timer;
  std::size_t saf_commits_outstanding = 0;
  bool saf_stopping = false;
  bool saf_finished = false;

  atomic_metrics metrics;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> fail_countdown{0};
  std::array<std::atomic<bool>, static_cast<std::size_t>(warning::count)> warned{};

  std::mutex stop_mutex;
  std::vector<std::function<void()>> stop_waiters;  // stop_mutex
  std::size_t parts_open = 0;                       // stop_mutex
  bool stop_requested = false;                      // stop_mutex
  bool finished = false;                            // stop_mutex
};

namespace {

// One long-lived connection to the bank. Lives on one io_context, where every member function
// runs, except the lock-free reads of `ready` and `load` that spread requests over connections.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<bank_link::impl> link, asio::io_context& io, std::size_t index)
      : link_(std::move(link)),
        io_(io),
        endpoint_(link_->channel.endpoints[index % link_->channel.endpoints.size()]),
        resolver_(io),
        timer_(io),
        sweep_timer_(io),
        echo_timer_(io),
        framing_(framing_of(link_->channel.frame)),
        frame_size_max_(static_cast<std::size_t>(link_->channel.frame_size_max)),
        inflight_max_(static_cast<std::size_t>(link_->channel.inflight_max)),
        table_(make_table()),
        slots_(table_.count_max()),
        in_(protocol::iso8583::prefix_size(framing_) + frame_size_max_ + read_window_size) {
    for (std::size_t i = slots_.size(); i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  }

  // Signed on and not stopping: requests may be sent here. Read from any thread.
  std::atomic<bool> ready{false};
  // Financial requests outstanding or on their way here: raised by the sender before it posts.
  std::atomic<std::size_t> load{0};

  asio::io_context& io() const noexcept { return io_; }
  std::size_t inflight_max() const noexcept { return inflight_max_; }

  void start() { connect(); }
  // A financial request already framed, for which `load` was raised.
  void send_financial(std::string frame, const link::inflight_key& key, store::executor ex,
                      exchange_handler done);
  // A reversal already framed, for the store-and-forward entry `saf_key`.
  void send_reversal(std::string frame, const link::inflight_key& key, std::string saf_key);
  // Stops reconnecting; signs off once no financial request is outstanding, then closes.
  void stop();

 private:
  struct outstanding {
    bool used = false;
    role what = role::financial;
    store::executor ex{};
    exchange_handler done;
    std::string saf_key;
    link_clock::time_point queued_at{};
    std::uint64_t batch = 0;  // the write batch carrying it: may have left once <= handed_batch_
  };

  link::inflight_table make_table() const {
    return link::inflight_table(inflight_max_ +
                                static_cast<std::size_t>(limits::link_control_inflight_count));
  }
  bool current(std::uint64_t epoch) const noexcept { return epoch == epoch_ && open_; }
  std::chrono::milliseconds request_timeout() const noexcept {
    return std::chrono::milliseconds{link_->channel.request_timeout_ms};
  }

  void connect();
  void on_connected(std::uint64_t epoch);
  void on_up();
  void on_signed_on();
  void send_network(link::network_code code, role what);
  result<std::string> network_frame(link::network_code code, std::string_view stan);
  void close(bool retry);
  void finish();

  void read();
  void process();
  void handle(std::string_view payload);
  bool answer_bank_request(std::string_view payload);
  void on_matched(std::uint32_t slot, const link::response& r);
  void arm_sweep();
  void sweep();
  void arm_echo();
  void drain();

  bool queue(std::string& frame, const link::inflight_key& key, outstanding&& entry,
             error_code& refused);
  void write();
  void release(std::uint32_t slot) {
    slots_[slot] = outstanding{};
    free_.push_back(slot);
  }
  void complete_financial(std::uint32_t slot, exchange_result result);
  void refuse(store::executor ex, exchange_handler done, error_code why);

  template <class Handler>
  void read_some(asio::mutable_buffer buffer, Handler&& handler) {
    if (tls_) return tls_->async_read_some(buffer, std::forward<Handler>(handler));
    socket_->async_read_some(buffer, std::forward<Handler>(handler));
  }
  template <class Handler>
  void write_all(asio::const_buffer buffer, Handler&& handler) {
    if (tls_) return asio::async_write(*tls_, buffer, std::forward<Handler>(handler));
    asio::async_write(*socket_, buffer, std::forward<Handler>(handler));
  }

  std::shared_ptr<bank_link::impl> link_;  // a cycle, broken when the bank_link is destroyed
  asio::io_context& io_;
  const config::endpoint& endpoint_;
  tcp::resolver resolver_;
  std::optional<tcp::socket> socket_;            // plain TCP
  std::optional<ssl::stream<tcp::socket>> tls_;  // or TLS
  asio::steady_timer timer_;  // connect and handshake deadline, then the reconnect backoff
  asio::steady_timer sweep_timer_;
  asio::steady_timer echo_timer_;
  const protocol::iso8583::framing framing_;
  const std::size_t frame_size_max_;
  const std::size_t inflight_max_;

  std::uint64_t epoch_ = 0;  // one per connection attempt, so stale callbacks tell themselves
  bool open_ = false;        // a socket exists for this epoch
  bool up_ = false;          // connected, TLS established
  bool signed_on_ = false;
  bool stopping_ = false;
  bool signing_off_ = false;
  bool finished_ = false;
  bool echo_outstanding_ = false;
  std::uint32_t failures_ = 0;  // attempts since the last sign-on, for the backoff
  std::uint64_t attempts_ = 0;
  link_clock::time_point last_received_{};

  link::inflight_table table_;
  std::vector<outstanding> slots_;  // indexed by the token the in-flight table holds
  std::vector<std::uint32_t> free_;
  std::size_t financial_outstanding_ = 0;

  std::vector<char> in_;
  std::size_t in_size_ = 0;
  std::string pending_;  // frames queued behind the write in progress
  std::string writing_;  // the batch being written
  bool writing_active_ = false;
  std::uint64_t next_batch_ = 1;    // the batch frames queued now go out in
  std::uint64_t handed_batch_ = 0;  // the latest batch handed to the socket
};

// ---- connecting, signing on, closing ----------------------------------------------------------

void connection::connect() {
  if (stopping_) return finish();
  if (attempts_++ > 0) bump(link_->metrics.reconnects);
  ++epoch_;
  open_ = true;
  socket_.emplace(io_);
  tls_.reset();
  const auto epoch = epoch_;
  timer_.expires_after(std::chrono::milliseconds{link_->channel.connect_timeout_ms});
  timer_.async_wait([self = shared_from_this(), epoch](error_code ec) {
    if (ec || !self->current(epoch) || self->up_) return;
    self->link_->warn(warning::connect_failed, "connect or TLS handshake timed out");
    self->close(true);
  });
  resolver_.async_resolve(
      endpoint_.host, std::to_string(endpoint_.port),
      [self = shared_from_this(), epoch](error_code ec, const tcp::resolver::results_type& found) {
        if (!self->current(epoch)) return;
        if (ec) {
          self->link_->warn(warning::connect_failed, "resolve: " + ec.message());
          return self->close(true);
        }
        asio::async_connect(*self->socket_, found,
                            [self, epoch](error_code connect_ec, const tcp::endpoint&) {
                              if (!self->current(epoch)) return;
                              if (connect_ec) {
                                self->link_->warn(warning::connect_failed, connect_ec.message());
                                return self->close(true);
                              }
                              self->on_connected(epoch);
                            });
      });
}

void connection::on_connected(std::uint64_t epoch) {
  error_code ignored;
  socket_->set_option(tcp::no_delay(true), ignored);
  if (!link_->tls) return on_up();
  tls_.emplace(std::move(*socket_), *link_->tls);
  socket_.reset();
  const auto& settings = link_->channel.tls;
  const std::string& name = settings.server_name.empty() ? endpoint_.host : settings.server_name;
  // SNI, and the bank's certificate must name the host (or the configured server name).
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(name.c_str()));
  tls_->set_verify_callback(ssl::host_name_verification(name));
  tls_->async_handshake(
      ssl::stream_base::client, [self = shared_from_this(), epoch](error_code ec) {
        if (!self->current(epoch)) return;
        if (ec) {
          self->link_->warn(warning::connect_failed, "TLS handshake: " + ec.message());
          return self->close(true);
        }
        self->on_up();
      });
}

void connection::on_up() {
  timer_.cancel();
  up_ = true;
  bump(link_->metrics.connections_up);
  link_->update_health();
  last_received_ = link_clock::now();
  read();
  arm_sweep();
  send_network(link::network_code::sign_on, role::sign_on);
}

void connection::on_signed_on() {
  signed_on_ = true;
  failures_ = 0;
  bump(link_->metrics.connections_signed_on);
  ready.store(!stopping_, std::memory_order_release);
  link_->update_health();
  arm_echo();
  drain();
}

// An 0800 with the link's own numbers. A sign-on or sign-off that cannot be sent (no numbers
// yet, or no slot) closes the connection, which then tries again after its backoff.
void connection::send_network(link::network_code code, role what) {
  const auto numbers = link_->control_numbers();
  auto frame = numbers ? network_frame(code, numbers->stan()) : numbers.error();
  error_code refused = frame ? error_code{} : frame.error();
  // 0800 carries no DE 41 or DE 37: its 0810 matches on the MTI class and the STAN.
  if (frame && queue(*frame, link::inflight_key::make("0800", numbers->stan(), {}, {}),
                     outstanding{true, what, {}, {}, {}, link_clock::now(), 0}, refused)) {
    link_->count_request("0800");
    if (what == role::echo) echo_outstanding_ = true;
    return;
  }
  link_->warn(warning::numbers, "0800 not sent: " + refused.message());
  if (what != role::echo) close(!stopping_);
}

result<std::string> connection::network_frame(link::network_code code, std::string_view stan) {
  std::array<char, build_buffer_size> buffer;
  const auto size =
      link::build_network(code, {stan, {}, now_ms(), local_now()}, link_->context, buffer);
  if (!size) return size.error();
  return framed(framing_, link_->channel.frame_size_max, buffer, *size);
}

void connection::close(bool retry) {
  if (!open_) return;
  open_ = false;
  error_code ignored;
  resolver_.cancel();
  timer_.cancel();
  sweep_timer_.cancel();
  echo_timer_.cancel();
  if (socket_) socket_->close(ignored);
  if (tls_) tls_->next_layer().close(ignored);  // no close_notify: the link is dead or done
  ready.store(false, std::memory_order_release);
  if (signed_on_) drop(link_->metrics.connections_signed_on);
  if (up_) drop(link_->metrics.connections_up);
  signed_on_ = up_ = echo_outstanding_ = signing_off_ = false;
  link_->update_health();
  // What was outstanding ends here: a financial request as timed out when its bytes may have
  // left (the caller reverses it), as not sent when they never reached the socket. A reversal
  // needs nothing: its schedule repeats it.
  for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
    if (!slots_[slot].used) continue;
    if (slots_[slot].what != role::financial) {
      release(slot);
    } else if (slots_[slot].batch <= handed_batch_) {
      complete_financial(slot, timed_out());
    } else {
      complete_financial(slot, not_sent(errc::send_failed));
    }
  }
  table_ = make_table();
  wipe(pending_);
  in_size_ = 0;
  if (!retry || stopping_) return finish();
  ++failures_;
  const backoff reconnect{link_->options.reconnect_base, link_->options.reconnect_max};
  timer_.expires_after(backoff_delay(failures_, reconnect, link_->options.random()));
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->connect();
  });
}

void connection::finish() {
  if (finished_) return;
  finished_ = true;
  link_->part_finished();
}

void connection::stop() {
  stopping_ = true;
  ready.store(false, std::memory_order_release);
  if (!open_) {  // waiting to reconnect
    timer_.cancel();
    return finish();
  }
  if (!signed_on_) return close(false);
  drain();
}

// Once stopping and signed on with no financial request outstanding: sign off, then close.
void connection::drain() {
  if (!stopping_ || !signed_on_ || signing_off_ || financial_outstanding_ > 0) return;
  signing_off_ = true;
  send_network(link::network_code::sign_off, role::sign_off);
}

// ---- reading -----------------------------------------------------------------------------------

void connection::read() {
  read_some(asio::buffer(in_.data() + in_size_, in_.size() - in_size_),
            [self = shared_from_this(), epoch = epoch_](error_code ec, std::size_t n) {
              if (!self->current(epoch)) return;
              if (ec) return self->close(true);
              self->in_size_ += n;
              self->process();
              if (self->current(epoch)) self->read();
            });
}

// Handles every whole frame received. A framing error leaves no way to find the next frame,
// so the connection closes.
void connection::process() {
  std::size_t start = 0;
  const auto epoch = epoch_;
  while (current(epoch)) {
    const std::string_view rest(in_.data() + start, in_size_ - start);
    const auto status = protocol::iso8583::decode_frame(framing_, rest, frame_size_max_);
    if (!status) {
      bump(link_->metrics.framing_errors);
      link_->warn(warning::framing, status.error().message());
      return close(true);
    }
    if (!status->complete) break;
    start += status->payload_offset + status->payload_size;
    handle(rest.substr(status->payload_offset, status->payload_size));
  }
  if (!current(epoch)) return;
  std::memmove(in_.data(), in_.data() + start, in_size_ - start);
  in_size_ -= start;
  // A response may echo the card number: no copy of it outlives its handling.
  OPENSSL_cleanse(in_.data() + in_size_, start);
}

void connection::handle(std::string_view payload) {
  last_received_ = link_clock::now();
  const auto r = link::parse_response(payload, link_->context);
  if (!r && r.error() == link::errc::unexpected_mti && answer_bank_request(payload)) return;
  if (!r) {
    bump(link_->metrics.malformed);
    return link_->warn(warning::malformed, r.error().message());
  }
  const auto m = table_.take(link::response_key::of(*r));
  switch (m.kind) {
    case link::match_kind::matched:
      return on_matched(static_cast<std::uint32_t>(m.token), *r);
    case link::match_kind::late:
      bump(link_->metrics.late);
      return link_->warn(warning::late, "a response after its request timed out: not applied");
    case link::match_kind::duplicate:
      bump(link_->metrics.duplicate);
      return link_->warn(warning::duplicate, "a second response to one request: not applied");
    case link::match_kind::unknown:
      bump(link_->metrics.unknown);
      return link_->warn(warning::unknown, "a response matching no request: not applied");
  }
}

// A request from the bank: only network management (an echo, say) is one the switch answers.
// False when it is not an 0800 the link can answer.
bool connection::answer_bank_request(std::string_view payload) {
  std::array<char, build_buffer_size> buffer;
  const auto size = link::answer_network_request(payload, link_->context, buffer);
  if (!size) return false;
  pending_.append(framed(framing_, link_->channel.frame_size_max, buffer, *size));
  bump(link_->metrics.bank_requests_answered);
  if (!writing_active_) write();
  return true;
}

void connection::on_matched(std::uint32_t slot, const link::response& r) {
  switch (slots_[slot].what) {
    case role::financial: {
      exchange_result result;
      result.status = exchange_status::answered;
      result.outcome = link::outcome_of(r);
      result.response =
          owned_response{std::string(r.mti), std::string(r.stan), std::string(r.rrn),
                         std::string(r.response_code), std::string(r.authorization_code)};
      result.latency = std::chrono::duration_cast<std::chrono::microseconds>(
          link_clock::now() - slots_[slot].queued_at);
      return complete_financial(slot, std::move(result));
    }
    case role::sign_on:
      release(slot);
      if (r.response_code == "00") return on_signed_on();
      link_->warn(warning::sign_on_refused, "the bank refused the sign-on (DE 39 not 00)");
      return close(true);
    case role::echo:
      release(slot);
      echo_outstanding_ = false;
      return;
    case role::sign_off:
      release(slot);
      return close(false);
    case role::reversal: {
      // Any 0410/0430 acknowledges the reversal, whatever its DE 39: the bank has it.
      auto key = std::move(slots_[slot].saf_key);
      release(slot);
      asio::post(*link_->contexts[0],
                 [link = link_, key = std::move(key)] { link->saf_acknowledged(key); });
      return;
    }
  }
}

// ---- deadlines and echo ------------------------------------------------------------------------

void connection::arm_sweep() {
  // Deadlines are checked at a tenth of the request timeout, between 10 ms and 250 ms.
  const auto period = std::clamp(request_timeout() / 10, std::chrono::milliseconds{10},
                                 std::chrono::milliseconds{250});
  sweep_timer_.expires_after(period);
  sweep_timer_.async_wait([self = shared_from_this(), epoch = epoch_](error_code ec) {
    if (!ec && self->current(epoch)) self->sweep();
  });
}

void connection::sweep() {
  std::array<link::expired_request, expire_batch_size> expired;
  bool close_after = false;
  bool retry = true;
  std::size_t n = 0;
  do {
    n = table_.expire(link_clock::now(), expired);
    for (std::size_t i = 0; i < n; ++i) {
      const auto slot = static_cast<std::uint32_t>(expired[i].token);
      switch (slots_[slot].what) {
        case role::financial:
          complete_financial(slot, timed_out());
          break;
        case role::sign_on:
          link_->warn(warning::sign_on_refused, "no answer to the sign-on in time");
          release(slot);
          close_after = true;
          break;
        case role::echo:
          bump(link_->metrics.echo_failures);
          link_->warn(warning::echo_unanswered, "no answer to an echo in time: reconnecting");
          release(slot);
          close_after = true;
          break;
        case role::sign_off:
          release(slot);
          close_after = true;
          retry = false;
          break;
        case role::reversal:  // its schedule repeats it
          release(slot);
          break;
      }
    }
  } while (n == expired.size());
  if (close_after) return close(retry);
  arm_sweep();
}

// Echo when nothing was received for echo_interval_ms: an idle link stays known to be alive.
void connection::arm_echo() {
  const auto interval = std::chrono::milliseconds{link_->channel.echo_interval_ms};
  echo_timer_.expires_at(std::max(last_received_, link_clock::now() - interval) + interval);
  echo_timer_.async_wait([self = shared_from_this(), epoch = epoch_, interval](error_code ec) {
    if (ec || !self->current(epoch) || !self->signed_on_) return;
    if (!self->echo_outstanding_ && !self->signing_off_ &&
        link_clock::now() - self->last_received_ >= interval) {
      self->send_network(link::network_code::echo, role::echo);
    }
    self->arm_echo();
  });
}

// ---- sending -----------------------------------------------------------------------------------

// Registers one framed message and queues its bytes (the frame is wiped). False, with `refused`
// set and the frame and `entry` untouched, when the in-flight table has no room or already holds
// the key.
bool connection::queue(std::string& frame, const link::inflight_key& key, outstanding&& entry,
                       error_code& refused) {
  if (free_.empty()) {
    refused = link::errc::inflight_full;
    return false;
  }
  const auto slot = free_.back();
  if (auto added = table_.add(key, slot, entry.queued_at + request_timeout()); !added) {
    refused = added.error();
    return false;
  }
  free_.pop_back();
  entry.batch = next_batch_;
  slots_[slot] = std::move(entry);
  pending_.append(frame);
  wipe(frame);
  if (!writing_active_) write();
  return true;
}

// Writes everything queued in one call; frames queued meanwhile go in the next batch.
void connection::write() {
  writing_.swap(pending_);
  handed_batch_ = next_batch_++;
  writing_active_ = true;
  write_all(asio::buffer(writing_),
            [self = shared_from_this(), epoch = epoch_](error_code ec, std::size_t) {
              self->writing_active_ = false;
              wipe(self->writing_);
              if (self->current(epoch) && ec) return self->close(true);
              // A write of an earlier connection may end after this one queued frames: send them
              // now.
              if (self->open_ && !self->pending_.empty()) self->write();
            });
}

void connection::send_financial(std::string frame, const link::inflight_key& key,
                                store::executor ex, exchange_handler done) {
  if (!signed_on_ || stopping_) {
    bump(link_->metrics.refused_down);
    return refuse(ex, std::move(done), errc::not_signed_on);
  }
  if (financial_outstanding_ >= inflight_max_) {
    bump(link_->metrics.refused_full);
    return refuse(ex, std::move(done), errc::link_full);
  }
  error_code refused;
  const std::string_view mti(key.mti.data(), key.mti.size());
  outstanding entry{true, role::financial, ex, std::move(done), {}, link_clock::now(), 0};
  if (!queue(frame, key, std::move(entry), refused)) {
    wipe(frame);
    if (refused == link::errc::inflight_full) refused = errc::link_full;
    return refuse(ex, std::move(entry.done), refused);
  }
  ++financial_outstanding_;
  link_->count_request(mti);
}

void connection::send_reversal(std::string frame, const link::inflight_key& key,
                               std::string saf_key) {
  error_code refused;
  if (signed_on_ &&
      queue(frame, key,
            outstanding{true, role::reversal, {}, {}, std::move(saf_key), link_clock::now(), 0},
            refused)) {
    link_->count_request(std::string_view(key.mti.data(), key.mti.size()));
    bump(link_->metrics.reversals_sent);
  }
  wipe(frame);  // not sent: the next attempt of its schedule goes out instead
}

void connection::refuse(store::executor ex, exchange_handler done, error_code why) {
  load.fetch_sub(1, std::memory_order_relaxed);
  post_result(ex, std::move(done), not_sent(why));
}

// The end of a financial request: metrics, the circuit breaker, and the caller's handler.
void connection::complete_financial(std::uint32_t slot, exchange_result result) {
  auto& entry = slots_[slot];
  auto& m = link_->metrics;
  const auto now = routing::channel_health::clock::now();
  auto* health = link_->services.health;
  switch (result.status) {
    case exchange_status::answered: {
      bump(m.responses[slot_of(response_codes, result.response.response_code)]);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(result.latency);
      const auto bucket = std::lower_bound(latency_bucket_bounds_ms.begin(),
                                           latency_bucket_bounds_ms.end(), ms.count());
      bump(m.latency[static_cast<std::size_t>(bucket - latency_bucket_bounds_ms.begin())]);
      m.latency_sum_us.fetch_add(static_cast<std::uint64_t>(result.latency.count()),
                                 std::memory_order_relaxed);
      // 91 and 96 say the bank side is failing; any other answer shows the channel works.
      const auto& code = result.response.response_code;
      if (health != nullptr && (code == "91" || code == "96"))
        health->circuit().record_failure(now);
      else if (health != nullptr)
        health->circuit().record_success(now);
      break;
    }
    case exchange_status::timed_out:
      bump(m.timeouts);
      if (health != nullptr) health->circuit().record_timeout(now);
      break;
    case exchange_status::not_sent:
      bump(m.send_failures);
      if (health != nullptr) health->circuit().record_failure(now);
      break;
  }
  --financial_outstanding_;
  load.fetch_sub(1, std::memory_order_relaxed);
  post_result(entry.ex, std::move(entry.done), std::move(result));
  release(slot);
  drain();
}

}  // namespace

// ---- the link
// ------------------------------------------------------------------------------------

result<void> bank_link::impl::open_tls() {
  const auto& settings = channel.tls;
  auto& context_tls = tls.emplace(ssl::context::tls_client);
  error_code ec;
  context_tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1,
                          ec);
  if (!ec && settings.ca_path.empty()) context_tls.set_default_verify_paths(ec);
  if (!ec && !settings.ca_path.empty()) context_tls.load_verify_file(settings.ca_path, ec);
  if (!ec) context_tls.set_verify_mode(ssl::verify_peer, ec);
  if (!ec && !settings.certificate_path.empty()) {
    context_tls.use_certificate_chain_file(settings.certificate_path, ec);
    if (!ec) context_tls.use_private_key_file(settings.key_path, ssl::context::pem, ec);
  }
  if (ec) tls.reset();
  if (ec) return ec;
  return {};
}

result<link::trace_numbers> bank_link::impl::next_numbers(std::chrono::year_month_day date) {
  auto next = allocator->next(date);
  request_reservation(date);
  return next;
}

// Submits the allocator's next block reservation, if it wants one. The completion runs on the
// writer thread and touches only the allocator and a copy of the log sink.
void bank_link::impl::request_reservation(std::chrono::year_month_day date) {
  auto unit = allocator->reservation(date);
  if (!unit) return;
  auto submitted = services.writer->submit(
      std::move(*unit), store::inline_executor(),
      [allocator = allocator, log = services.log, id = channel.id](const store::commit_outcome& o) {
        if (const auto r = allocator->reserved(o); !r) {
          emit_warn(log, id, "numbers_unavailable", "STAN/RRN reservation: " + r.error().message());
        }
      });
  if (!submitted) (void)allocator->reserved(store::commit_outcome{submitted.error(), 0});
}

std::shared_ptr<connection> bank_link::impl::least_loaded_ready() const {
  std::shared_ptr<connection> best;
  std::size_t best_load = 0;
  for (const auto& c : connections) {
    if (!c->ready.load(std::memory_order_acquire)) continue;
    const auto load = c->load.load(std::memory_order_relaxed);
    if (!best || load < best_load) {
      best = c;
      best_load = load;
    }
  }
  return best;
}

void bank_link::impl::send(const outgoing_request& request, store::executor ex,
                           exchange_handler done) {
  if (!started.load() || stopping.load())
    return post_result(ex, std::move(done), not_sent(errc::stopped));
  auto countdown = fail_countdown.load();
  while (countdown != 0 && !fail_countdown.compare_exchange_weak(countdown, countdown - 1)) {
  }
  if (countdown == 1) {
    bump(metrics.send_failures);
    return post_result(ex, std::move(done), not_sent(errc::injected_failure));
  }
  auto target = least_loaded_ready();
  if (!target) {
    bump(metrics.refused_down);
    return post_result(ex, std::move(done), not_sent(errc::not_signed_on));
  }
  if (target->load.load(std::memory_order_relaxed) >= target->inflight_max()) {
    bump(metrics.refused_full);
    return post_result(ex, std::move(done), not_sent(errc::link_full));
  }
  // The frame is built here, on the caller's thread, while the clear PAN's views are alive.
  std::array<char, build_buffer_size> buffer;
  const link::request_trace trace{request.numbers.stan(), request.numbers.rrn(), now_ms(),
                                  request.local_time};
  const auto size = link::build_financial(request.request, trace, context, buffer);
  if (!size) {
    OPENSSL_cleanse(buffer.data(), buffer.size());
    return post_result(ex, std::move(done), not_sent(size.error()));
  }
  const auto framing = framing_of(channel.frame);
  auto frame = framed(framing, channel.frame_size_max, buffer, *size);
  const auto key = link::inflight_key::make(
      std::string_view(frame).substr(protocol::iso8583::prefix_size(framing), 4),
      request.numbers.stan(), channel.terminal_id, request.numbers.rrn());
  target->load.fetch_add(1, std::memory_order_relaxed);
  asio::post(target->io(),
             [target, frame = std::move(frame), key, ex, done = std::move(done)]() mutable {
               target->send_financial(std::move(frame), key, ex, std::move(done));
             });
}

void bank_link::impl::stop(std::function<void()> done) {
  stopping.store(true);
  std::unique_lock lock(stop_mutex);
  if (finished || !started.load()) {
    lock.unlock();
    return done();
  }
  stop_waiters.push_back(std::move(done));
  if (std::exchange(stop_requested, true)) return;
  lock.unlock();
  for (const auto& c : connections) asio::post(c->io(), [c] { c->stop(); });
  asio::post(*contexts[0], [self = shared_from_this()] { self->saf_stop(); });
}

void bank_link::impl::part_finished() {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(stop_mutex);
    if (--parts_open > 0) return;
    finished = true;
    waiters.swap(stop_waiters);
  }
  for (auto& waiter : waiters) waiter();
}

// ---- store-and-forward (contexts[0]) -----------------------------------------------------------

void bank_link::impl::saf_arm(std::chrono::milliseconds after) {
  saf_timer.expires_after(after);
  saf_timer.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->saf_tick();
  });
}

void bank_link::impl::saf_tick() {
  if (saf_stopping) return;
  for (auto& [key, unit] : saf.acknowledge_retry()) saf_erase(key, std::move(unit));
  // An attempt is committed before it is sent, so none is spent while no connection could send.
  if (least_loaded_ready()) {
    for (std::size_t i = 0; i < limits::link_saf_attempts_per_tick; ++i) {
      auto attempt = saf.next_attempt(now_ms());
      if (!attempt) break;
      saf_attempt(std::move(*attempt));
    }
  }
  metrics.reversals_pending.store(saf.size(), std::memory_order_relaxed);
  saf_arm(std::chrono::milliseconds{limits::link_saf_tick_ms});
}

void bank_link::impl::saf_attempt(link::saf_queue::attempt a) {
  auto unit = std::move(a.unit);
  const std::string key = a.key;
  ++saf_commits_outstanding;
  auto submitted = services.writer->submit(
      std::move(unit), executor_of(*contexts[0]),
      [self = shared_from_this(), a = std::move(a)](const store::commit_outcome& o) {
        --self->saf_commits_outstanding;
        self->saf.attempt_committed(a.key, o);
        if (o.error) {
          self->warn(warning::store, "reversal attempt: " + o.error.message());
        } else if (!self->saf_stopping) {
          self->saf_send(a);
        }
        if (self->saf_stopping) self->saf_stop();
      });
  if (!submitted) {
    --saf_commits_outstanding;
    saf.attempt_committed(key, store::commit_outcome{submitted.error(), 0});
    warn(warning::store, "reversal attempt: " + submitted.error().message());
  }
}

// Builds the reversal of a committed attempt (the card number decrypted for DE 2 only for the
// moment of building) and sends it on the least loaded signed-on connection.
void bank_link::impl::saf_send(const link::saf_queue::attempt& a) {
  const clearing::book book(*services.store);
  const auto payment = book.payment(a.request.payment_id);
  if (!payment) return warn(warning::reversal_unbuildable, payment.error().message());
  const auto* card = std::get_if<protocol::card_summary>(&payment->resource.payment_method);
  const auto& id = a.request.payment_id;
  const auto& sealed = a.request.pan_ciphertext;
  const auto pan =
      hsm::reveal_pan(*services.hsm, services.pan_data_key,
                      {reinterpret_cast<const std::uint8_t*>(sealed.data()), sealed.size()},
                      {reinterpret_cast<const std::uint8_t*>(id.data()), id.size()});
  if (card == nullptr || !pan) {
    return warn(warning::reversal_unbuildable,
                card == nullptr ? "not a card payment" : "PAN: " + pan.error().message());
  }
  const link::card_data card_data{pan->text(), card->exp_month, card->exp_year};
  // A void's repeats reverse the authorization itself, as its own 0400 did.
  auto reversal = a.request.kind == clearing::layout::request_kind::void_
                      ? link::void_request(*payment, card_data)
                      : link::reversal_of(a.request, card_data);
  reversal.repeat = a.repeat;
  const auto numbers = control_numbers();
  if (!numbers) return warn(warning::numbers, "reversal: " + numbers.error().message());
  std::array<char, build_buffer_size> buffer;
  const link::request_trace trace{numbers->stan(), reversal.original.rrn, now_ms(), local_now()};
  const auto size = link::build_reversal(reversal, trace, context, buffer);
  auto target = least_loaded_ready();
  if (!size || !target) {
    OPENSSL_cleanse(buffer.data(), buffer.size());
    if (!size) warn(warning::reversal_unbuildable, size.error().message());
    return;  // no connection: the next attempt goes out when one is signed on
  }
  auto frame = framed(framing_of(channel.frame), channel.frame_size_max, buffer, *size);
  const auto key = link::inflight_key::make(reversal.repeat ? "0420" : "0400", numbers->stan(),
                                            channel.terminal_id, reversal.original.rrn);
  asio::post(target->io(), [target, frame = std::move(frame), key, saf_key = a.key]() mutable {
    target->send_reversal(std::move(frame), key, std::move(saf_key));
  });
}

void bank_link::impl::saf_acknowledged(const std::string& key) {
  if (auto unit = saf.acknowledge(key)) saf_erase(key, std::move(*unit));
}

void bank_link::impl::saf_erase(const std::string& key, store::unit_of_work unit) {
  ++saf_commits_outstanding;
  auto submitted = services.writer->submit(
      std::move(unit), executor_of(*contexts[0]),
      [self = shared_from_this(), key](const store::commit_outcome& o) {
        --self->saf_commits_outstanding;
        self->saf.acknowledgement_committed(key, o);
        if (!o.error || o.error == store::errc::key_missing) {
          bump(self->metrics.reversals_acknowledged);
        } else {
          self->warn(warning::store, "reversal erasure: " + o.error.message());
        }
        self->metrics.reversals_pending.store(self->saf.size(), std::memory_order_relaxed);
        if (self->saf_stopping) self->saf_stop();
      });
  if (!submitted) {
    --saf_commits_outstanding;
    saf.acknowledgement_committed(key, store::commit_outcome{submitted.error(), 0});
  }
}

// Ends the loop once no commit it submitted is outstanding (their completions post here).
void bank_link::impl::saf_stop() {
  saf_stopping = true;
  saf_timer.cancel();
  if (saf_commits_outstanding > 0 || std::exchange(saf_finished, true)) return;
  part_finished();
}

// ---- bank_link ---------------------------------------------------------------------------------

bank_link::bank_link(const config::channel& channel, std::vector<asio::io_context*> contexts,
                     link_services services, link_options options)
    : impl_(std::make_shared<impl>(channel, std::move(contexts), std::move(services),
                                   std::move(options))) {}

bank_link::~bank_link() {
  bool finished = false;
  {
    std::lock_guard lock(impl_->stop_mutex);
    finished = impl_->finished || !impl_->started.load();
  }
  if (!finished) {
    impl_->stop([] {});  // the connections close as their contexts run
    return;
  }
  // Nothing runs any more: break the connections' cycle with the link.
  impl_->connections.clear();
}

result<void> bank_link::start(std::chrono::year_month_day business_date) {
  auto& i = *impl_;
  if (i.started.load() || i.stopping.load() || i.allocator) return errc::stopped;
  const clearing::book book(*i.services.store);
  const auto persisted = book.sequence(i.channel.id);
  if (!persisted) return persisted.error();
  i.allocator = std::make_shared<link::sequence_allocator>(i.channel.id, *persisted);
  i.business_day.store(std::chrono::sys_days{business_date}.time_since_epoch().count());
  if (auto unit = i.allocator->reservation(business_date)) {
    const auto outcome = store::commit_and_wait(*i.services.writer, std::move(*unit));
    if (const auto reserved = i.allocator->reserved(outcome); !reserved) return reserved.error();
  }
  const auto due = book.reversals_due();
  if (!due) return due.error();
  if (i.channel.tls.enabled && !i.tls) {
    if (auto opened = i.open_tls(); !opened) return opened.error();
  }
  // Nothing runs on the contexts for this link yet: the queue is filled before the loop starts.
  for (const auto& request : *due) {
    if (request.request.channel == i.channel.id) i.saf.add(request);
  }
  const auto count = static_cast<std::size_t>(i.channel.connection_count);
  for (std::size_t n = 0; n < count; ++n) {
    i.connections.push_back(
        std::make_shared<connection>(impl_, *i.contexts[n % i.contexts.size()], n));
  }
  i.parts_open = count + 1;
  i.started.store(true);
  for (const auto& c : i.connections) asio::post(c->io(), [c] { c->start(); });
  asio::post(*i.contexts[0], [link = impl_] { link->saf_tick(); });
  return {};
}

result<void> bank_link::prepare() {
  auto& i = *impl_;
  if (i.started.load() || i.stopping.load()) return errc::stopped;
  if (i.channel.tls.enabled && !i.tls) return i.open_tls();
  return {};
}

result<link::trace_numbers> bank_link::numbers(std::chrono::year_month_day business_date) {
  auto& i = *impl_;
  // A stopped link reserves nothing more: the link that replaces it on a reload owns the marks.
  if (!i.started.load() || i.stopping.load()) return errc::stopped;
  const int day = std::chrono::sys_days{business_date}.time_since_epoch().count();
  int seen = i.business_day.load();
  while (day > seen && !i.business_day.compare_exchange_weak(seen, day)) {
  }
  return i.next_numbers(business_date);
}

void bank_link::send(const outgoing_request& request, store::executor ex, exchange_handler done) {
  impl_->send(request, ex, std::move(done));
}

void bank_link::add_reversal(clearing::open_request due) {
  asio::post(*impl_->contexts[0], [link = impl_, due = std::move(due)]() mutable {
    if (link->saf_stopping) return;  // durable: the next start finds it
    link->saf.add(std::move(due));
    link->metrics.reversals_pending.store(link->saf.size(), std::memory_order_relaxed);
  });
}

void bank_link::stop(std::function<void()> done) {
  impl_->stop(std::move(done));
}

link_metrics bank_link::metrics() const noexcept {
  const auto& m = impl_->metrics;
  link_metrics out;
  for (std::size_t n = 0; n < out.requests.size(); ++n) out.requests[n] = read(m.requests[n]);
  for (std::size_t n = 0; n < out.responses.size(); ++n) out.responses[n] = read(m.responses[n]);
  for (std::size_t n = 0; n < out.latency.size(); ++n) out.latency[n] = read(m.latency[n]);
  out.timeouts = read(m.timeouts);
  out.late = read(m.late);
  out.duplicate = read(m.duplicate);
  out.unknown = read(m.unknown);
  out.malformed = read(m.malformed);
  out.framing_errors = read(m.framing_errors);
  out.refused_full = read(m.refused_full);
  out.refused_down = read(m.refused_down);
  out.send_failures = read(m.send_failures);
  out.reversals_pending = read(m.reversals_pending);
  out.reversals_sent = read(m.reversals_sent);
  out.reversals_acknowledged = read(m.reversals_acknowledged);
  out.echo_failures = read(m.echo_failures);
  out.bank_requests_answered = read(m.bank_requests_answered);
  out.latency_sum_us = read(m.latency_sum_us);
  out.connections_up = read(m.connections_up);
  out.connections_signed_on = read(m.connections_signed_on);
  out.reconnects = read(m.reconnects);
  out.signed_on = out.connections_signed_on > 0;
  return out;
}

void bank_link::fail_nth_send(std::uint64_t n) noexcept {
  impl_->fail_countdown.store(n);
}

const config::channel& bank_link::channel() const noexcept {
  return impl_->channel;
}

}  // namespace sy::routing::io
