// libFuzzer target: any bytes through config::load_string. It must never crash, and it must
// return a snapshot exactly when no diagnostic is an error.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Secrets from the environment are faked so a run does not depend on the fuzzer's shell.
  static const sy::config::validation_context context = [] {
    sy::config::validation_context c;
    c.known_currency = [](std::string_view code) { return code == "CNY" || code == "USD"; };
    c.known_brand = [](std::string_view brand) { return brand == "visa" || brand == "unionpay"; };
    c.env = [](std::string_view name) -> std::optional<std::string> {
      if (name.starts_with("SY_")) return std::string(40, 'k');
      return std::nullopt;
    };
    return c;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto outcome = sy::config::load_string(text, "fuzz.toml", context);
  if (outcome.ok() != (sy::config::error_count(outcome.diagnostics) == 0)) std::abort();
  return 0;
}
