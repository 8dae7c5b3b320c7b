// Shared fixtures for the config tests: a fake validation context and a minimal valid file.
#pragma once

#include <gmock/gmock.h>

#include <map>
#include <string>
#include <vector>

#include "config/loader.h"

namespace sy::config::test {

// 40 bytes: above every secret minimum.
inline const std::string long_secret = "0123456789abcdef0123456789abcdef01234567";

inline validation_context fake_context(std::map<std::string, std::string, std::less<>> env = {
                                           {"MASTER", long_secret},
                                           {"KEY1", long_secret},
                                           {"KEY2", long_secret},
                                           {"KEY3", long_secret},
                                           {"PIN", "1234"},
                                           {"EMPTY", ""}}) {
  validation_context c;
  c.known_currency = [](std::string_view s) { return s == "CNY" || s == "USD"; };
  c.known_brand = [](std::string_view s) {
    return s == "visa" || s == "mastercard" || s == "unionpay";
  };
  c.known_time_zone = [](std::string_view s) { return s == "UTC" || s == "Asia/Shanghai"; };
  c.env = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return c;
}

// The smallest valid configuration: 11 lines, the first empty.
inline const std::string minimal = R"(
[tls]
certificate_path = "c.pem"
key_path = "k.pem"

[hsm]
backend = "soft"
[hsm.soft]
key_store_path = "keys"
master_key = "env:MASTER"
)";

// An iso8583 channel lacking only its endpoints, and the complete one.
inline const std::string bank_channel_head = R"(
[[channels]]
id = "bank"
kind = "iso8583"
acquirer_id = "123456"
terminal_id = "T1"
card_acceptor_id = "CA1"
)";
inline const std::string bank_channel = bank_channel_head + "endpoints = [\"127.0.0.1:8583\"]\n";

inline const std::string wallet_channel = R"(
[[channels]]
id = "wallet"
kind = "http"
base_url = "https://wallet.example/v1"
signing_key = "wallet_key"
)";

inline const std::string shop_merchant = R"(
[[merchants]]
id = "m1"
name = "Shop"
mcc = "5999"
[[merchants.api_keys]]
id = "k1"
secret = "env:KEY1"
)";

inline load_outcome load(const std::string& text,
                         const validation_context& context = fake_context()) {
  return load_string(text, "t.toml", context);
}

inline std::vector<std::string> lines(const load_outcome& outcome) {
  std::vector<std::string> out;
  for (const auto& d : outcome.diagnostics) out.push_back(to_string(d));
  return out;
}

}  // namespace sy::config::test
