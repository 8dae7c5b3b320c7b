// ISO 8583 codec speed on the bank link's 0200 (fields of specs/bank-link.md plus a DE 64 MAC
// placeholder). Target: >= 1,000,000 pack+unpack per second on one core (jPOS published 16,600/s);
// pack and unpack allocate nothing.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"

namespace {

using namespace sy::protocol::iso8583;
using namespace std::string_view_literals;

message purchase_0200() {
  message m;
  m.set_mti("0200");
  m.set(2, "4111111111111111");
  m.set(3, "000000");
  m.set(4, "000000001000");
  m.set(7, "1121231845");
  m.set(11, "000123");
  m.set(12, "231845");
  m.set(13, "1121");
  m.set(14, "2812");
  m.set(18, "5411");
  m.set(22, "051");
  m.set(25, "00");
  m.set(32, "123456");
  m.set(37, "532512345678");
  m.set(41, "TERM0001");
  m.set(42, "MERCHANT0000001");
  m.set(43, "SWITCHYARD SHOP BERLIN DE");
  m.set(49, "978");
  m.set(64, "\0\0\0\0\0\0\0\0"sv);
  return m;
}

void BM_Iso8583Pack0200(benchmark::State& state) {
  const message m = purchase_0200();
  std::array<char, 512> buffer{};
  for (auto _ : state) {
    auto size = pack(iso87(), m, buffer);
    benchmark::DoNotOptimize(size);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Iso8583Pack0200);

void BM_Iso8583Unpack0200(benchmark::State& state) {
  std::array<char, 512> buffer{};
  const std::size_t size = pack(iso87(), purchase_0200(), buffer).value();
  message out;
  for (auto _ : state) {
    auto r = unpack(iso87(), std::string_view(buffer.data(), size), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Iso8583Unpack0200);

void BM_Iso8583PackUnpack0200(benchmark::State& state) {
  const message m = purchase_0200();
  std::array<char, 512> buffer{};
  message out;
  for (auto _ : state) {
    const auto size = pack(iso87(), m, buffer);
    auto r = unpack(iso87(), std::string_view(buffer.data(), *size), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Iso8583PackUnpack0200);

}  // namespace
