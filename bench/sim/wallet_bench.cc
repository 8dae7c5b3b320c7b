// The wallet simulator's speed. Target: at least 20,000 requests per second on one core through
// the simulator (verify the switch's signature, rules, record, signed answer), so it is never the
// bottleneck of the end-to-end benchmark; the socket benchmark drives it with the real HTTP
// channel client over loopback keep-alive connections.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <thread>

#include "hsm/primitives.h"
#include "hsm/soft_backend.h"
#include "routing/http/http_channel.h"
#include "routing/http/provider_signature.h"
#include "routing/sim/wallet_server.h"

namespace {

namespace http = sy::routing::http;
namespace sim = sy::routing::sim;

const std::string secret_hex(64, '5');

sim::wallet_config bench_config() {
  sim::wallet_config c;
  c.secret = secret_hex;
  sim::validate(c);
  return c;
}

http::wallet_request charge(std::size_t i) {
  return {http::operation::charge,
          "pay_" + std::to_string(i),
          "",
          {1000, *sy::protocol::find_currency("CNY")},
          "alipay",
          "buyer@example.com",
          "m1",
          ""};
}

// The handling path alone: signature check, rules, record, signed answer.
void BM_SimWalletCharge(benchmark::State& state) {
  const auto secret = *sy::hsm::from_hex(secret_hex);
  std::vector<std::string> bodies, signatures;
  const std::string ts = std::to_string(std::time(nullptr));
  const std::string nonce = "bench-nonce-000001";
  for (std::size_t i = 0; i < 65536; ++i) {
    bodies.push_back(*http::request_body(charge(i)));
    signatures.push_back(*http::sign_with_secret(
        {secret.data(), secret.size()},
        http::string_to_sign(http::request_parts{ts, nonce, "POST", "/charges", bodies.back()})));
  }
  auto wallet = std::make_unique<sim::wallet_responder>(bench_config());
  std::size_t i = 0;
  const std::int64_t now = std::stoll(ts);
  for (auto _ : state) {
    if (i == bodies.size()) {
      state.PauseTiming();
      wallet = std::make_unique<sim::wallet_responder>(bench_config());
      i = 0;
      state.ResumeTiming();
    }
    auto a = wallet->answer({"POST", "/charges", ts, nonce, signatures[i], bodies[i]}, now);
    benchmark::DoNotOptimize(a);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SimWalletCharge);

// Batches of 64 charges through the HTTP channel (8 keep-alive connections) to the simulator on
// its own thread: wall time per request includes the client, HMACs on both sides and loopback.
void BM_SimWalletSocketCharges(benchmark::State& state) {
  const std::string dir = "/tmp/sy-wallet-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string master(48, 'm');
  sy::hsm::soft_backend::create(dir + "/keys", master);
  auto hsm = std::move(*sy::hsm::soft_backend::open(dir + "/keys", master));
  const auto material = *sy::hsm::from_hex(secret_hex);
  hsm->import_clear(
      {"wallet-key", sy::hsm::key_type::api_secret, sy::hsm::key_algorithm::hmac_sha256, 0},
      {material.data(), material.size()});
  sim::wallet_responder wallet(bench_config());
  sim::wallet_server server(wallet);
  const auto bound = server.listen("127.0.0.1", 0);
  std::thread sim_thread([&] { server.run(); });
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  sy::config::channel c;
  c.kind = sy::config::channel_kind::http;
  c.base_url = "http://" + *bound;
  c.signing_key = "wallet-key";
  c.connection_count = 8;
  auto channel = std::move(*http::http_channel::create(io, c, *hsm));
  std::mutex mutex;
  std::condition_variable done;
  std::size_t pending = 0, next = 0;
  const sy::clearing::store::executor inline_ex{nullptr,
                                                [](void*, std::function<void()> w) { w(); }};
  for (auto _ : state) {
    {
      std::lock_guard lock(mutex);
      pending = 64;
    }
    for (int k = 0; k < 64; ++k) {
      channel->send(charge(next++), inline_ex, [&](http::channel_result) {
        std::lock_guard lock(mutex);
        if (--pending == 0) done.notify_one();
      });
    }
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return pending == 0; });
  }
  state.SetItemsProcessed(state.iterations() * 64);
  channel.reset();
  work.reset();
  io_thread.join();
  server.stop();
  sim_thread.join();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SimWalletSocketCharges)->UseRealTime();

}  // namespace
