// Test support for the bank link: a deterministic stand-in for the HSM's message MAC, the channel
// context the tests use, and a fixed clock reading.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "hsm/errc.h"
#include "routing/link/message_authenticator.h"
#include "routing/link/messages.h"

namespace sy::routing::link::test {

// FNV-1a over the message, spread over 8 bytes: not a MAC, but any change to a byte changes it.
class fake_authenticator final : public message_authenticator {
 public:
  result<hsm::mac_value> generate(hsm::bytes_view message) override {
    ++generated;
    return of(message);
  }
  result<void> verify(hsm::bytes_view message, hsm::bytes_view mac) override {
    const auto expected = of(message);
    if (mac.size() != expected.size() ||
        !std::equal(expected.begin(), expected.end(), mac.begin())) {
      return hsm::errc::verification_failed;
    }
    return {};
  }
  static hsm::mac_value of(hsm::bytes_view message) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto b : message) h = (h ^ b) * 1099511628211ULL;
    hsm::mac_value out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(h >> (8 * i));
    return out;
  }
  int generated = 0;
};

inline link_context test_context(message_authenticator* mac = nullptr) {
  return link_context{"123456",
                      "TERM0001",
                      "MERCHANT0000001",
                      "SWITCHYARD SHOP BERLIN DE",
                      config::iso8583_spec::iso87,
                      mac};
}

// 2026-11-21 23:18:45.250 UTC; local time 2026-11-22 00:18:45 (UTC+1).
inline request_trace test_trace(std::string_view stan = "000123",
                                std::string_view rrn = "000000001234") {
  using namespace std::chrono;
  const sys_days day = year{2026} / November / 21;
  const auto utc = sys_time<milliseconds>{day} + 23h + 18min + 45s + 250ms;
  const local_seconds local{(day + days{1}).time_since_epoch() + 18min + 45s};
  return request_trace{stan, rrn, utc, local};
}

}  // namespace sy::routing::link::test
