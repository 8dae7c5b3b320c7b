// JSON serialization of payments, refunds and lists, written by hand into one string: fixed key
// order, no whitespace, no locale, so equal resources always give equal bytes.
#include "protocol/merchant_resources.h"

#include "config/assert.h"
#include "protocol/detail/json_writer.h"
#include "protocol/pan.h"

namespace sy::protocol {
namespace {

using detail::append_json_int;
using detail::append_json_string;

// Zero-padded decimal of a fixed width (years 0-9999, months, days, clock fields).
void append_padded(std::string& out, long value, int width) {
  SY_ASSERT(value >= 0);
  char digits[8];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(digits, static_cast<std::size_t>(width));
}

void append_date(std::string& out, std::chrono::year_month_day date) {
  append_padded(out, static_cast<int>(date.year()), 4);
  out += '-';
  append_padded(out, static_cast<long>(static_cast<unsigned>(date.month())), 2);
  out += '-';
  append_padded(out, static_cast<long>(static_cast<unsigned>(date.day())), 2);
}

void append_time(std::string& out, std::chrono::sys_seconds time) {
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::hh_mm_ss clock(time - day);
  out += '"';
  append_date(out, std::chrono::year_month_day(day));
  out += 'T';
  append_padded(out, clock.hours().count(), 2);
  out += ':';
  append_padded(out, clock.minutes().count(), 2);
  out += ':';
  append_padded(out, static_cast<long>(clock.seconds().count()), 2);
  out += "Z\"";
}

void append_optional_string(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    append_json_string(out, *text);
  } else {
    out += "null";
  }
}

void append_payment_method(std::string& out, const payment_method_summary& method) {
  if (const auto* card = std::get_if<card_summary>(&method)) {
    out += R"({"type":"card","card":{"brand":")";
    out += to_string(card->brand);
    out += R"(","bin":)";
    append_json_string(out, card->bin);
    out += R"(,"last4":)";
    append_json_string(out, card->last4);
    out += R"(,"exp_month":)";
    append_json_int(out, card->exp_month);
    out += R"(,"exp_year":)";
    append_json_int(out, card->exp_year);
    out += "}}";
    return;
  }
  const auto& wallet = std::get<wallet_details>(method);
  out += R"({"type":"wallet","wallet":{"provider":)";
  append_json_string(out, wallet.provider);
  out += R"(,"account":)";
  append_json_string(out, wallet.account);
  out += "}}";
}

}  // namespace

card_summary summarize(const card_details& card) {
  return card_summary{brand_of(card.number), std::string(pan_bin(card.number)),
                      std::string(pan_last4(card.number)), card.exp_month, card.exp_year};
}

payment_method_summary summarize(const payment_method_details& method) {
  if (const auto* card = std::get_if<card_details>(&method)) return summarize(*card);
  return std::get<wallet_details>(method);
}

void append_json(std::string& out, const payment& p) {
  out += R"({"id":)";
  append_json_string(out, p.id);
  out += R"(,"object":"payment","status":")";
  out += to_string(p.status);
  out += R"(","amount":)";
  append_json_int(out, p.amount.amount);
  out += R"(,"amount_captured":)";
  append_json_int(out, p.amount_captured);
  out += R"(,"amount_refunded":)";
  append_json_int(out, p.amount_refunded);
  out += R"(,"currency":)";
  append_json_string(out, p.amount.currency.code());
  out += R"(,"merchant_reference":)";
  append_json_string(out, p.merchant_reference);
  out += R"(,"description":)";
  append_optional_string(out, p.description);
  out += R"(,"metadata":)";
  detail::append_json_string_map(out, p.metadata);
  out += R"(,"payment_method":)";
  append_payment_method(out, p.payment_method);
  out += R"(,"channel":)";
  append_optional_string(out, p.channel);
  out += R"(,"authorization_code":)";
  append_optional_string(out, p.authorization_code);
  out += R"(,"rrn":)";
  append_optional_string(out, p.rrn);
  out += R"(,"response_code":)";
  append_optional_string(out, p.response_code);
  if (p.decline_code) {
    out += R"(,"decline_code":")";
    out += to_string(*p.decline_code);
    out += '"';
  }
  out += R"(,"business_date":)";
  if (p.business_date) {
    out += '"';
    append_date(out, *p.business_date);
    out += '"';
  } else {
    out += "null";
  }
  out += R"(,"created_at":)";
  append_time(out, p.created_at);
  out += R"(,"updated_at":)";
  append_time(out, p.updated_at);
  out += '}';
}

std::string to_json(const payment& p) {
  std::string out;
  out.reserve(640);
  append_json(out, p);
  return out;
}

std::string to_json(const refund& r) {
  std::string out;
  out.reserve(192);
  out += R"({"id":)";
  append_json_string(out, r.id);
  out += R"(,"object":"refund","payment_id":)";
  append_json_string(out, r.payment_id);
  out += R"(,"amount":)";
  append_json_int(out, r.amount.amount);
  out += R"(,"currency":)";
  append_json_string(out, r.amount.currency.code());
  out += R"(,"status":")";
  out += to_string(r.status);
  out += R"(","reason":)";
  append_optional_string(out, r.reason);
  out += R"(,"created_at":)";
  append_time(out, r.created_at);
  out += '}';
  return out;
}

std::string list_to_json(std::span<const payment> data, bool has_more) {
  std::string out;
  out.reserve(32 + data.size() * 640);
  out += R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i > 0) out += ',';
    append_json(out, data[i]);
  }
  out += has_more ? "],\"has_more\":true}" : "],\"has_more\":false}";
  return out;
}

std::string format_rfc3339(std::chrono::sys_seconds time) {
  std::string out;
  append_time(out, time);
  return out.substr(1, out.size() - 2);
}

std::string format_date(std::chrono::year_month_day date) {
  std::string out;
  append_date(out, date);
  return out;
}

}  // namespace sy::protocol
