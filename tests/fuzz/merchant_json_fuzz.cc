// Fuzzes the merchant API parsers: every request body parser and the list query parser get the
// same bytes. Parsing must never crash, never read outside the input, and every error must carry
// a known code; a successful create-payment must serialize and parse back to itself, and its
// summary must never show the full card number.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/merchant_requests.h"
#include "protocol/merchant_resources.h"

namespace {

using namespace sy::protocol;

void check(bool condition) {
  if (!condition) std::abort();
}

template <class T>
void check_error(const sy::result<T, api_error>& parsed) {
  if (parsed) return;
  check(type_of(parsed.error().code) == error_type::invalid_request_error);
  check(!parsed.error().message.empty());
  check(!to_json(parsed.error()).empty());
}

void check_create_payment(std::string_view body) {
  const auto parsed = parse_create_payment(body);
  check_error(parsed);
  if (!parsed) return;
  const auto again = parse_create_payment(to_json(*parsed));
  check(again.has_value() && *again == *parsed);
  // Only the payment method is copied: merchant text may legitimately hold any digits.
  payment p;
  p.amount = parsed->amount;
  p.payment_method = summarize(parsed->payment_method);
  const std::string json = to_json(p);
  if (const auto* card = std::get_if<card_details>(&parsed->payment_method)) {
    check(json.find(card->number) == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_create_payment(input);
  check_error(parse_capture(input));
  check_error(parse_void(input));
  check_error(parse_refund(input));
  check_error(parse_list_query(input));
  return 0;
}
