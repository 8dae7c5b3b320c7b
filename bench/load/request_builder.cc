// Building and signing the driver's payment requests (request_builder.h).
#include "bench/load/request_builder.h"

#include <array>
#include <charconv>

#include "hsm/primitives.h"
#include "hsm/request_signature.h"

namespace sy::load {
namespace {

void append_number(std::string& out, std::int64_t value) {
  std::array<char, 24> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out.append(digits.data(), end);
}

// A base64 HMAC-SHA256 is 44 characters; the unsigned placeholder keeps requests the same size.
constexpr std::string_view unsigned_placeholder = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

}  // namespace

std::string request_signature(std::string_view secret, std::string_view method,
                              std::string_view path, std::string_view timestamp,
                              std::string_view nonce, std::string_view body) {
  const std::array<std::string_view, 10> parts{method, "\n",  path, "\n", timestamp,
                                               "\n",   nonce, "\n", body, "\n"};
  const auto mac =
      hsm::primitives::hmac(hsm::key_algorithm::hmac_sha256, hsm::as_bytes(secret), parts);
  // Only an empty secret fails, which option validation refuses.
  return mac ? hsm::base64(*mac) : std::string();
}

request_builder::request_builder(request_settings settings, std::string unique_prefix,
                                 card_generator cards)
    : settings_(std::move(settings)), prefix_(std::move(unique_prefix)), cards_(std::move(cards)) {}

void request_builder::append(std::string& out, std::int64_t unix_seconds) {
  unique_ = prefix_;
  unique_ += '-';
  append_number(unique_, static_cast<std::int64_t>(sequence_++));

  body_ = R"({"amount":)";
  append_number(body_, settings_.amount_minor);
  body_ += R"(,"currency":")";
  body_ += settings_.currency;
  body_ += R"(","merchant_reference":")";
  body_ += unique_;
  body_ += R"(","payment_method":{"type":"card","card":{"number":")";
  body_ += cards_.next();
  body_ += R"(","exp_month":12,"exp_year":2030,"cvc":"123"}},"capture":true})";

  std::array<char, 24> ts;
  const std::string_view timestamp(
      ts.data(), std::to_chars(ts.data(), ts.data() + ts.size(), unix_seconds).ptr - ts.data());
  const std::string signature =
      settings_.sign
          ? request_signature(settings_.secret, "POST", settings_.path, timestamp, unique_, body_)
          : std::string(unsigned_placeholder);

  out += "POST ";
  out += settings_.path;
  out += " HTTP/1.1\r\nHost: ";
  out += settings_.host;
  out += "\r\nAuthorization: SY1-HMAC-SHA256 key_id=\"";
  out += settings_.key_id;
  out += "\",timestamp=\"";
  out += timestamp;
  out += "\",nonce=\"";
  out += unique_;
  out += "\",signature=\"";
  out += signature;
  out += "\"\r\nIdempotency-Key: ";
  out += unique_;
  out += "\r\nContent-Type: application/json\r\nContent-Length: ";
  append_number(out, static_cast<std::int64_t>(body_.size()));
  out += "\r\n\r\n";
  out += body_;
}

}  // namespace sy::load
