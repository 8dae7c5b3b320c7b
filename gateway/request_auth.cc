// Strict reading of the SY1-HMAC-SHA256 Authorization header.
#include "gateway/request_auth.h"

#include <charconv>

#include "config/limits.h"

namespace sy::gateway {
namespace {

constexpr std::string_view scheme = "SY1-HMAC-SHA256 ";
constexpr std::size_t timestamp_digits_max = 12;
// Bounds the header's parts so a hostile header costs nothing: a key id is a config id, and a
// signature is base64 of 32 bytes (44 characters); anything longer cannot verify.
constexpr std::size_t signature_size_max = 64;

bool is_nonce(std::string_view s) noexcept {
  if (s.size() < limits::nonce_size_min || s.size() > limits::nonce_size_max) return false;
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// One `name="value"` at the front of `rest`, consumed with the comma after it.
bool next_parameter(std::string_view& rest, std::string_view& name, std::string_view& value) {
  const auto eq = rest.find("=\"");
  if (eq == std::string_view::npos) return false;
  name = rest.substr(0, eq);
  rest.remove_prefix(eq + 2);
  const auto quote = rest.find('"');
  if (quote == std::string_view::npos) return false;
  value = rest.substr(0, quote);
  rest.remove_prefix(quote + 1);
  if (rest.empty()) return true;
  if (rest.front() != ',') return false;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return !rest.empty();  // a trailing comma is malformed
}

}  // namespace

std::optional<request_credentials> parse_authorization(std::string_view header) noexcept {
  if (!header.starts_with(scheme)) return std::nullopt;
  std::string_view rest = header.substr(scheme.size());
  request_credentials c;
  std::optional<std::string_view> key_id, timestamp, nonce, signature;
  while (!rest.empty()) {
    std::string_view name, value;
    if (!next_parameter(rest, name, value)) return std::nullopt;
    std::optional<std::string_view>* slot = name == "key_id"      ? &key_id
                                            : name == "timestamp" ? &timestamp
                                            : name == "nonce"     ? &nonce
                                            : name == "signature" ? &signature
                                                                  : nullptr;
    if (slot == nullptr || slot->has_value()) return std::nullopt;
    *slot = value;
  }
  if (!key_id || !timestamp || !nonce || !signature) return std::nullopt;
  if (key_id->empty() || key_id->size() > limits::config_id_size_max) return std::nullopt;
  if (signature->empty() || signature->size() > signature_size_max) return std::nullopt;
  if (!is_nonce(*nonce)) return std::nullopt;
  if (timestamp->empty() || timestamp->size() > timestamp_digits_max) return std::nullopt;
  for (const char ch : *timestamp) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), c.timestamp_s);
  c.key_id = *key_id;
  c.timestamp = *timestamp;
  c.nonce = *nonce;
  c.signature = *signature;
  return c;
}

std::string sy_signature_header(std::int64_t timestamp_s, std::string_view signature) {
  std::string out = "timestamp=\"" + std::to_string(timestamp_s) + "\",signature=\"";
  out.append(signature);
  out += '"';
  return out;
}

}  // namespace sy::gateway
