// The bank simulator's speed. Target: at least 100,000 messages per second on one core for the
// message handling path (unpack, rules, ledger, pack), so the simulator is never the bottleneck
// of the end-to-end benchmark, with or without MACs; the socket benchmark adds the kernel's
// loopback TCP.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "hsm/primitives.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/specs.h"
#include "routing/sim/bank_responder.h"
#include "routing/sim/bank_server.h"
#include "routing/sim/development_tak.h"

namespace {

namespace iso = sy::protocol::iso8583;
namespace sim = sy::routing::sim;

// The bank's MAC settings for the MAC benchmarks: the development TAK (3DES, algorithm 3).
sim::mac_settings bench_mac() {
  sim::mac_settings mac;
  mac.key_bytes = *sy::hsm::from_hex(sim::development_tak_hex);
  return mac;
}

// Framed 0200 sales (or 0800 echoes) with distinct STANs and RRNs, packed once up front; with
// `mac`, each ends in its MAC (DE 64 or DE 128) as the switch's link MACs it.
std::vector<std::string> requests(std::size_t count, const std::string& mti,
                                  const std::string& amount,
                                  const sim::mac_settings* mac = nullptr) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    char rrn[24], stan[24];  // room for any size_t, so the compiler can prove no truncation
    std::snprintf(rrn, sizeof rrn, "%012zu", i + 1);
    std::snprintf(stan, sizeof stan, "%06zu", i % 1000000);
    iso::message msg;
    msg.set_mti(mti);
    const std::map<std::size_t, std::string> fields =
        mti == "0800"
            ? std::map<std::size_t, std::string>{{7, "1121231845"}, {11, stan}, {70, "301"}}
            : std::map<std::size_t, std::string>{{2, "4111111111111111"},
                                                 {3, "000000"},
                                                 {4, amount},
                                                 {7, "1121231845"},
                                                 {11, stan},
                                                 {12, "231845"},
                                                 {13, "1121"},
                                                 {22, "012"},
                                                 {37, rrn},
                                                 {41, "TERM0001"},
                                                 {42, "MERCHANT0000001"},
                                                 {49, "978"}};
    for (const auto& [f, v] : fields) msg.set(f, v);
    static constexpr char placeholder[8] = {};
    // An 0800's DE 70 needs the secondary bitmap, which moves the MAC to DE 128.
    const std::size_t mac_field = fields.rbegin()->first > 64 ? 128 : 64;
    if (mac != nullptr) msg.set(mac_field, std::string_view(placeholder, sizeof placeholder));
    std::string frame(4096, '\0');
    const auto size = iso::pack(iso::iso87(), msg, std::span(frame).subspan(2));
    if (mac != nullptr) {
      auto* bytes = reinterpret_cast<std::uint8_t*>(frame.data() + 2);
      const auto code = sy::hsm::primitives::message_mac(mac->algorithm, mac->key_bytes.view(),
                                                         {bytes, *size - 8});
      std::copy(code->begin(), code->end(), bytes + *size - 8);
    }
    iso::encode_frame_prefix(iso::framing::binary2, *size, 8192, frame);
    frame.resize(2 + *size);
    out.push_back(std::move(frame));
  }
  return out;
}

sim::bank_config bench_config(bool mac = false) {
  sim::bank_config config;
  config.settlement.business_date = "2026-11-21";
  if (mac) config.mac = bench_mac();
  return config;
}

// One request answered: the path the server runs per frame, without the socket; with `mac`, the
// request's MAC checked and the answer's made.
void answer_loop(benchmark::State& state, const std::vector<std::string>& frames,
                 bool mac = false) {
  sim::bank_responder bank(bench_config(mac));
  std::vector<char> out(bank.answer_buffer_size());
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string_view frame(frames[i]);
    benchmark::DoNotOptimize(bank.answer(frame.substr(2), out));
    if (++i == frames.size()) {
      // Every RRN again: start from an empty ledger so each approval is a new record.
      state.PauseTiming();
      bank.ledger().clear();
      i = 0;
      state.ResumeTiming();
    }
  }
  // A MAC the bank refused would make its answer look cheap: every one must have verified.
  if (bank.stats().mac_failures != 0) state.SkipWithError("requests failed their MAC check");
  state.SetItemsProcessed(state.iterations());
}

void BM_SimBankApproveSale(benchmark::State& state) {
  static const auto frames = requests(65536, "0200", "000000001000");
  answer_loop(state, frames);
}
BENCHMARK(BM_SimBankApproveSale);

void BM_SimBankDeclineSale(benchmark::State& state) {
  static const auto frames = requests(65536, "0200", "000000001051");
  answer_loop(state, frames);
}
BENCHMARK(BM_SimBankDeclineSale);

void BM_SimBankEcho(benchmark::State& state) {
  static const auto frames = requests(65536, "0800", "");
  answer_loop(state, frames);
}
BENCHMARK(BM_SimBankEcho);

void BM_SimBankApproveSaleMac(benchmark::State& state) {
  static const auto mac = bench_mac();
  static const auto frames = requests(65536, "0200", "000000001000", &mac);
  answer_loop(state, frames, true);
}
BENCHMARK(BM_SimBankApproveSaleMac);

void BM_SimBankEchoMac(benchmark::State& state) {
  static const auto mac = bench_mac();
  static const auto frames = requests(65536, "0800", "", &mac);
  answer_loop(state, frames, true);
}
BENCHMARK(BM_SimBankEchoMac);

// A client on one loopback connection sends a window of `window` sales, reads the window of
// answers, and repeats; the server runs on its own thread (two cores: one each).
void BM_SimBankSocketSales(benchmark::State& state) {
  const auto window = static_cast<std::size_t>(state.range(0));
  static const auto frames = requests(65536, "0200", "000000001000");
  sim::bank_responder bank(bench_config());
  sim::bank_server server(bank);
  const auto bound = server.listen("127.0.0.1", 0);
  std::thread serve([&server] { server.run(); });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port =
      htons(static_cast<std::uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::string batch;
  std::vector<char> in(1 << 20);
  std::size_t next = 0;
  for (auto _ : state) {
    batch.clear();
    for (std::size_t k = 0; k < window; ++k) batch += frames[next++ % frames.size()];
    ::send(fd, batch.data(), batch.size(), 0);
    // Answers are ~100 bytes each: count frames until the window is back.
    std::size_t got = 0, have = 0;
    while (got < window) {
      const ssize_t n = ::recv(fd, in.data() + have, in.size() - have, 0);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
      std::size_t at = 0;
      for (;;) {
        const auto f = iso::decode_frame(iso::framing::binary2, {in.data() + at, have - at}, 8192);
        if (!f || !f->complete) break;
        at += f->payload_offset + f->payload_size;
        ++got;
      }
      std::memmove(in.data(), in.data() + at, have - at);
      have -= at;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(window));
  ::close(fd);
  server.stop();
  serve.join();
}
BENCHMARK(BM_SimBankSocketSales)->Arg(1)->Arg(64)->UseRealTime();

}  // namespace
