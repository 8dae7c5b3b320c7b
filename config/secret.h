// A secret named by the configuration (API key secret, HSM PIN, master key): its resolved value
// and the reference it came from. Only the reference is ever printed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::config {

class secret {
 public:
  enum class source : std::uint8_t { env, file, inline_value };

  secret() = default;
  secret(source origin, std::string reference, std::string value)
      : origin_(origin), reference_(std::move(reference)), value_(std::move(value)) {}

  source origin() const noexcept { return origin_; }
  // What may be shown: `env:NAME`, `file:PATH` or `<inline>`; never the value.
  std::string_view reference() const noexcept { return reference_; }
  // The secret itself, for the HSM and the signature check only.
  std::string_view value() const noexcept { return value_; }

 private:
  source origin_ = source::inline_value;
  std::string reference_ = "<inline>";
  std::string value_;
};

}  // namespace sy::config
