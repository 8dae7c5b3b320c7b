// Parsing and validation of the merchant API's request bodies and list query, and the request
// bodies' JSON form for clients.
#include "protocol/merchant_requests.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <initializer_list>

#include "config/limits.h"
#include "config/redact.h"
#include "protocol/detail/json_reader.h"
#include "protocol/detail/json_writer.h"
#include "protocol/pan.h"

namespace sy::protocol {
namespace {

namespace json = boost::json;

template <class T>
using parsed = result<T, api_error>;

std::string join_path(std::string_view prefix, std::string_view key) {
  std::string path(prefix);
  if (!path.empty()) path += '.';
  path += mask_digit_runs(key);
  return path;
}

// One JSON object of a request and where it sits (its dotted path), for precise errors.
class fields {
 public:
  fields(const json::object& object, std::string_view prefix) : object_(object), prefix_(prefix) {}

  // The value of `key`, or nullptr when absent or null (null means "not given").
  const json::value* find(std::string_view key) const {
    const json::value* value = object_.if_contains(key);
    return value != nullptr && !value->is_null() ? value : nullptr;
  }

  api_error error(api_errc code, std::string_view key, std::string_view what) const {
    std::string path = join_path(prefix_, key);
    std::string message = path;
    message += ' ';
    message += what;
    return api_error{code, std::move(message), std::move(path)};
  }

  // parameter_unknown for the first key not in `allowed`.
  std::optional<api_error> reject_unknown(std::initializer_list<std::string_view> allowed) const {
    for (const auto& member : object_) {
      const std::string_view key(member.key().data(), member.key().size());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return error(api_errc::parameter_unknown, key, "is not a parameter of this request");
      }
    }
    return std::nullopt;
  }

 private:
  const json::object& object_;
  std::string_view prefix_;
};

// Code points of valid UTF-8 (Boost.JSON has validated it), or of a query value checked by
// utf8_valid.
std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char ch) {
    return (static_cast<unsigned char>(ch) & 0xc0) != 0x80;
  }));
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte < 0x20 || byte == 0x7f;
  });
}

struct text_rule {
  std::size_t size_max;  // in code points
  bool allow_empty = false;
};

// A string parameter: present or not, a string, within bounds, no control characters.
// Errors: parameter_missing (when required), parameter_invalid_type, parameter_invalid_empty,
// parameter_too_long, parameter_invalid_value.
parsed<std::optional<std::string_view>> read_text(const fields& f, std::string_view key,
                                                  text_rule rule, bool required) {
  const json::value* value = f.find(key);
  if (value == nullptr) {
    if (required) return f.error(api_errc::parameter_missing, key, "is required");
    return std::optional<std::string_view>{};
  }
  if (!value->is_string()) {
    return f.error(api_errc::parameter_invalid_type, key, "must be a string");
  }
  const std::string_view text(value->get_string().data(), value->get_string().size());
  if (text.empty() && !rule.allow_empty) {
    return f.error(api_errc::parameter_invalid_empty, key, "must not be empty");
  }
  if (code_points(text) > rule.size_max) {
    return f.error(api_errc::parameter_too_long, key,
                   "must be at most " + std::to_string(rule.size_max) + " characters");
  }
  if (has_control(text)) {
    return f.error(api_errc::parameter_invalid_value, key, "must not hold control characters");
  }
  return std::optional<std::string_view>{text};
}

parsed<std::string> read_required_text(const fields& f, std::string_view key, text_rule rule) {
  auto text = read_text(f, key, rule, true);
  if (!text) return text.error();
  return std::string(**text);
}

parsed<std::optional<std::string>> read_optional_text(const fields& f, std::string_view key,
                                                      text_rule rule) {
  auto text = read_text(f, key, rule, false);
  if (!text) return text.error();
  if (!*text) return std::optional<std::string>{};
  return std::optional<std::string>{std::string(**text)};
}

// An amount in minor units. Errors: parameter_missing, parameter_invalid_type (float, string,
// ...), amount_too_small (<= 0), amount_too_large (> limits::amount_minor_max).
parsed<std::int64_t> read_amount(const json::value& value, const fields& f, std::string_view key) {
  if (value.is_uint64()) {
    return f.error(api_errc::amount_too_large, key,
                   "must be at most " + std::to_string(limits::amount_minor_max));
  }
  if (!value.is_int64()) {
    return f.error(api_errc::parameter_invalid_type, key,
                   "must be an integer number of minor units");
  }
  const std::int64_t amount = value.get_int64();
  if (amount <= 0) return f.error(api_errc::amount_too_small, key, "must be at least 1");
  if (amount > limits::amount_minor_max) {
    return f.error(api_errc::amount_too_large, key,
                   "must be at most " + std::to_string(limits::amount_minor_max));
  }
  return amount;
}

parsed<std::int64_t> read_required_amount(const fields& f, std::string_view key) {
  const json::value* value = f.find(key);
  if (value == nullptr) return f.error(api_errc::parameter_missing, key, "is required");
  return read_amount(*value, f, key);
}

// An integer in [lo, hi]. Errors: parameter_missing, parameter_invalid_type, `out_of_range`.
parsed<std::int64_t> read_bounded_int(const fields& f, std::string_view key, std::int64_t lo,
                                      std::int64_t hi, api_errc out_of_range,
                                      std::string_view what) {
  const json::value* value = f.find(key);
  if (value == nullptr) return f.error(api_errc::parameter_missing, key, "is required");
  if (value->is_int64() && value->get_int64() >= lo && value->get_int64() <= hi) {
    return value->get_int64();
  }
  if (!value->is_int64() && !value->is_uint64()) {
    return f.error(api_errc::parameter_invalid_type, key, "must be an integer");
  }
  return f.error(out_of_range, key, what);
}

parsed<currency> read_currency(const fields& f, std::string_view key) {
  auto code = read_text(f, key, {3}, true);
  if (!code) return code.error();
  const auto found = find_currency(**code);
  if (!found) {
    return f.error(api_errc::currency_invalid, key,
                   "must be an active ISO 4217 code in upper case, such as \"CNY\"");
  }
  return *found;
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// The card number: a string, then validate_pan. The message says what is wrong and never
// repeats the number.
parsed<std::string> read_card_number(const fields& f) {
  const json::value* value = f.find("number");
  if (value == nullptr) return f.error(api_errc::parameter_missing, "number", "is required");
  if (!value->is_string()) {
    return f.error(api_errc::parameter_invalid_type, "number", "must be a string of digits");
  }
  const std::string_view number(value->get_string().data(), value->get_string().size());
  if (auto valid = validate_pan(number); !valid) {
    return f.error(api_errc::invalid_number, "number", valid.error().message());
  }
  return std::string(number);
}

parsed<std::optional<std::string>> read_cvc(const fields& f) {
  const json::value* value = f.find("cvc");
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_string()) {
    return f.error(api_errc::parameter_invalid_type, "cvc", "must be a string of digits");
  }
  const std::string_view cvc(value->get_string().data(), value->get_string().size());
  if (cvc.size() < 3 || cvc.size() > 4 || !all_digits(cvc)) {
    return f.error(api_errc::invalid_cvc, "cvc", "must be 3 or 4 digits");
  }
  return std::optional<std::string>{std::string(cvc)};
}

parsed<card_details> read_card(const fields& f) {
  if (auto unknown = f.reject_unknown({"number", "exp_month", "exp_year", "cvc", "holder_name"})) {
    return *unknown;
  }
  card_details card;
  auto number = read_card_number(f);
  if (!number) return number.error();
  card.number = std::move(*number);
  auto month = read_bounded_int(f, "exp_month", 1, 12, api_errc::invalid_expiry_month,
                                "must be an integer from 1 to 12");
  if (!month) return month.error();
  card.exp_month = static_cast<std::uint8_t>(*month);
  auto year = read_bounded_int(f, "exp_year", 1000, 9999, api_errc::invalid_expiry_year,
                               "must be a four-digit year");
  if (!year) return year.error();
  card.exp_year = static_cast<std::uint16_t>(*year);
  auto cvc = read_cvc(f);
  if (!cvc) return cvc.error();
  card.cvc = std::move(*cvc);
  auto holder = read_optional_text(f, "holder_name", {limits::holder_name_size_max});
  if (!holder) return holder.error();
  card.holder_name = std::move(*holder);
  return card;
}

bool is_provider_slug(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

parsed<wallet_details> read_wallet(const fields& f) {
  if (auto unknown = f.reject_unknown({"provider", "account"})) return *unknown;
  wallet_details wallet;
  auto provider = read_required_text(f, "provider", {limits::wallet_provider_size_max});
  if (!provider) return provider.error();
  if (!is_provider_slug(*provider)) {
    return f.error(api_errc::parameter_invalid_value, "provider",
                   "must hold only a-z, 0-9 and '_'");
  }
  wallet.provider = std::move(*provider);
  auto account = read_required_text(f, "account", {limits::wallet_account_size_max});
  if (!account) return account.error();
  wallet.account = std::move(*account);
  return wallet;
}

// A nested object parameter. Errors: parameter_missing, parameter_invalid_type.
parsed<const json::object*> read_object(const fields& f, std::string_view key) {
  const json::value* value = f.find(key);
  if (value == nullptr) return f.error(api_errc::parameter_missing, key, "is required");
  if (!value->is_object())
    return f.error(api_errc::parameter_invalid_type, key, "must be an object");
  return &value->get_object();
}

// payment_method is a top-level parameter, so the paths of its fields are constants.
parsed<payment_method_details> read_payment_method(const fields& parent) {
  auto object = read_object(parent, "payment_method");
  if (!object) return object.error();
  const fields f(**object, "payment_method");
  auto type = read_required_text(f, "type", {16});
  if (!type) return type.error();
  const bool card = *type == "card";
  if (!card && *type != "wallet") {
    return f.error(api_errc::parameter_invalid_value, "type", "must be \"card\" or \"wallet\"");
  }
  if (auto unknown = f.reject_unknown({"type", *type})) return *unknown;
  auto details = read_object(f, *type);
  if (!details) return details.error();
  if (card) {
    auto details_card = read_card(fields(**details, "payment_method.card"));
    if (!details_card) return details_card.error();
    return payment_method_details{std::move(*details_card)};
  }
  auto wallet = read_wallet(fields(**details, "payment_method.wallet"));
  if (!wallet) return wallet.error();
  return payment_method_details{std::move(*wallet)};
}

parsed<metadata_map> read_metadata(const fields& parent) {
  const json::value* value = parent.find("metadata");
  if (value == nullptr) return metadata_map{};
  if (!value->is_object()) {
    return parent.error(api_errc::parameter_invalid_type, "metadata", "must be an object");
  }
  const json::object& object = value->get_object();
  if (object.size() > limits::metadata_count_max) {
    return parent.error(
        api_errc::metadata_too_many, "metadata",
        "must have at most " + std::to_string(limits::metadata_count_max) + " keys");
  }
  const fields f(object, "metadata");
  metadata_map metadata;
  metadata.reserve(object.size());
  for (const auto& member : object) {
    const std::string_view key(member.key().data(), member.key().size());
    if (key.empty() || code_points(key) > limits::metadata_key_size_max || has_control(key)) {
      return f.error(api_errc::parameter_invalid_value, key,
                     "is not a valid metadata key (1 to " +
                         std::to_string(limits::metadata_key_size_max) +
                         " characters, no control characters)");
    }
    auto text = read_text(f, key, {limits::metadata_value_size_max, true}, false);
    if (!text) return text.error();
    if (!*text) return f.error(api_errc::parameter_invalid_type, key, "must be a string");
    metadata.emplace_back(std::string(key), std::string(**text));
  }
  std::sort(metadata.begin(), metadata.end());
  return metadata;
}

// The body's top-level object. Errors: json_invalid (also for a body that is not an object).
parsed<const json::object*> root_object(detail::json_document& document, std::string_view body) {
  if (auto failure = document.parse(body)) return *failure;
  if (!document.root().is_object()) {
    return api_error{api_errc::json_invalid, "the body must be a JSON object", {}};
  }
  return &document.root().get_object();
}

parsed<create_payment_request> read_create_payment(const fields& f) {
  if (auto unknown = f.reject_unknown({"amount", "currency", "merchant_reference", "payment_method",
                                       "capture", "description", "metadata"})) {
    return *unknown;
  }
  create_payment_request request;
  auto amount = read_required_amount(f, "amount");
  if (!amount) return amount.error();
  auto currency_found = read_currency(f, "currency");
  if (!currency_found) return currency_found.error();
  request.amount = money{*amount, *currency_found};
  auto reference =
      read_required_text(f, "merchant_reference", {limits::merchant_reference_size_max});
  if (!reference) return reference.error();
  request.merchant_reference = std::move(*reference);
  auto method = read_payment_method(f);
  if (!method) return method.error();
  request.payment_method = std::move(*method);
  if (const json::value* capture = f.find("capture")) {
    if (!capture->is_bool()) {
      return f.error(api_errc::parameter_invalid_type, "capture", "must be true or false");
    }
    request.capture = capture->get_bool();
  }
  auto description = read_optional_text(f, "description", {limits::description_size_max, true});
  if (!description) return description.error();
  request.description = std::move(*description);
  auto metadata = read_metadata(f);
  if (!metadata) return metadata.error();
  request.metadata = std::move(*metadata);
  return request;
}

}  // namespace

result<create_payment_request, api_error> parse_create_payment(std::string_view body) {
  detail::json_document document;
  auto root = root_object(document, body);
  if (!root) return root.error();
  return read_create_payment(fields(**root, {}));
}

result<capture_request, api_error> parse_capture(std::string_view body) {
  detail::json_document document;
  auto root = root_object(document, body);
  if (!root) return root.error();
  const fields f(**root, {});
  if (auto unknown = f.reject_unknown({"amount"})) return *unknown;
  capture_request request;
  if (const json::value* amount = f.find("amount")) {
    auto value = read_amount(*amount, f, "amount");
    if (!value) return value.error();
    request.amount = *value;
  }
  return request;
}

result<void_request, api_error> parse_void(std::string_view body) {
  // An empty body and {} both mean "no parameters"; whitespace alone counts as empty.
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return void_request{};
  detail::json_document document;
  auto root = root_object(document, body);
  if (!root) return root.error();
  if (auto unknown = fields(**root, {}).reject_unknown({})) return *unknown;
  return void_request{};
}

result<refund_request, api_error> parse_refund(std::string_view body) {
  detail::json_document document;
  auto root = root_object(document, body);
  if (!root) return root.error();
  const fields f(**root, {});
  if (auto unknown = f.reject_unknown({"amount", "reason"})) return *unknown;
  refund_request request;
  auto amount = read_required_amount(f, "amount");
  if (!amount) return amount.error();
  request.amount = *amount;
  auto reason = read_optional_text(f, "reason", {limits::refund_reason_size_max});
  if (!reason) return reason.error();
  request.reason = std::move(*reason);
  return request;
}

namespace {

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: %XX and '+' as space. nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (text.size() - i < 3) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF): query values are not
// checked by a JSON parser, yet merchant_reference must be text.
bool utf8_valid(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xe0) == 0xc0) {
      length = 2;
      point = byte & 0x1f;
    } else if ((byte & 0xf0) == 0xe0) {
      length = 3;
      point = byte & 0x0f;
    } else if ((byte & 0xf8) == 0xf0) {
      length = 4;
      point = byte & 0x07;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      point = (point << 6) | (next & 0x3f);
    }
    constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < smallest[length] || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

api_error query_error(api_errc code, std::string_view name, std::string_view what) {
  std::string param = mask_digit_runs(name);
  std::string message = param;
  message += ' ';
  message += what;
  return api_error{code, std::move(message), std::move(param)};
}

parsed<std::size_t> parse_limit(std::string_view text) {
  std::size_t limit = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      limit < limits::list_limit_min || limit > limits::list_limit_max) {
    return query_error(api_errc::parameter_invalid_value, "limit",
                       "must be an integer from " + std::to_string(limits::list_limit_min) +
                           " to " + std::to_string(limits::list_limit_max));
  }
  return limit;
}

bool is_payment_id(std::string_view text) {
  constexpr std::string_view prefix = "pay_";
  if (text.size() <= prefix.size() || text.size() > limits::object_id_size_max) return false;
  if (text.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(text.begin(), text.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
  });
}

// Checks one decoded query parameter and stores it in `query`.
std::optional<api_error> apply_query_parameter(list_query& query, std::string_view name,
                                               std::string value) {
  if (name == "merchant_reference") {
    if (value.empty()) {
      return query_error(api_errc::parameter_invalid_empty, name, "must not be empty");
    }
    if (!utf8_valid(value) || has_control(value)) {
      return query_error(api_errc::parameter_invalid_value, name,
                         "must be UTF-8 text without control characters");
    }
    if (code_points(value) > limits::merchant_reference_size_max) {
      return query_error(
          api_errc::parameter_too_long, name,
          "must be at most " + std::to_string(limits::merchant_reference_size_max) + " characters");
    }
    query.merchant_reference = std::move(value);
  } else if (name == "limit") {
    auto limit = parse_limit(value);
    if (!limit) return limit.error();
    query.limit = *limit;
  } else if (name == "starting_after") {
    if (!is_payment_id(value)) {
      return query_error(api_errc::parameter_invalid_value, name, "must be a payment id");
    }
    query.starting_after = std::move(value);
  } else {
    return query_error(api_errc::parameter_unknown, name, "is not a parameter of this request");
  }
  return std::nullopt;
}

}  // namespace

result<list_query, api_error> parse_list_query(std::string_view query_string) {
  list_query query;
  std::uint8_t seen = 0;  // one bit per parameter, to refuse repeats
  while (!query_string.empty()) {
    const std::size_t amp = query_string.find('&');
    const std::string_view pair = query_string.substr(0, amp);
    query_string =
        amp == std::string_view::npos ? std::string_view{} : query_string.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2": browsers and curl produce these
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!name || !value) {
      return query_error(api_errc::parameter_invalid_value, pair.substr(0, eq),
                         "holds a malformed percent-escape");
    }
    const std::uint8_t bit = *name == "merchant_reference" ? 1
                             : *name == "limit"            ? 2
                             : *name == "starting_after"   ? 4
                                                           : 0;
    if ((seen & bit) != 0) {
      return query_error(api_errc::parameter_duplicate, *name, "appears more than once");
    }
    seen |= bit;
    if (auto failure = apply_query_parameter(query, *name, std::move(*value))) return *failure;
  }
  return query;
}

namespace {

void append_payment_method(std::string& out, const payment_method_details& method) {
  if (const auto* card = std::get_if<card_details>(&method)) {
    out += R"({"type":"card","card":{"number":)";
    detail::append_json_string(out, card->number);
    out += R"(,"exp_month":)";
    detail::append_json_int(out, card->exp_month);
    out += R"(,"exp_year":)";
    detail::append_json_int(out, card->exp_year);
    if (card->cvc) {
      out += R"(,"cvc":)";
      detail::append_json_string(out, *card->cvc);
    }
    if (card->holder_name) {
      out += R"(,"holder_name":)";
      detail::append_json_string(out, *card->holder_name);
    }
    out += "}}";
    return;
  }
  const auto& wallet = std::get<wallet_details>(method);
  out += R"({"type":"wallet","wallet":{"provider":)";
  detail::append_json_string(out, wallet.provider);
  out += R"(,"account":)";
  detail::append_json_string(out, wallet.account);
  out += "}}";
}

}  // namespace

std::string to_json(const create_payment_request& request) {
  std::string out;
  out.reserve(256);
  out += R"({"amount":)";
  detail::append_json_int(out, request.amount.amount);
  out += R"(,"currency":)";
  detail::append_json_string(out, request.amount.currency.code());
  out += R"(,"merchant_reference":)";
  detail::append_json_string(out, request.merchant_reference);
  out += R"(,"payment_method":)";
  append_payment_method(out, request.payment_method);
  out += request.capture ? R"(,"capture":true)" : R"(,"capture":false)";
  if (request.description) {
    out += R"(,"description":)";
    detail::append_json_string(out, *request.description);
  }
  if (!request.metadata.empty()) {
    out += R"(,"metadata":)";
    detail::append_json_string_map(out, request.metadata);
  }
  out += '}';
  return out;
}

std::string to_json(const capture_request& request) {
  if (!request.amount) return "{}";
  std::string out = R"({"amount":)";
  detail::append_json_int(out, *request.amount);
  out += '}';
  return out;
}

std::string to_json(const refund_request& request) {
  std::string out = R"({"amount":)";
  detail::append_json_int(out, request.amount);
  if (request.reason) {
    out += R"(,"reason":)";
    detail::append_json_string(out, *request.reason);
  }
  out += '}';
  return out;
}

}  // namespace sy::protocol
