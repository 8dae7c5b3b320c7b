// Building the bank link's requests and reading its responses (see messages.h and
// docs/bank-link.md, "Messages the switch sends").
#include "routing/link/messages.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "config/assert.h"
#include "hsm/errc.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/message.h"
#include "protocol/iso8583/specs.h"
#include "protocol/payment_types.h"
#include "routing/link/errc.h"

namespace sy::routing::link {
namespace {

using protocol::iso8583::message;
using sys_millis = std::chrono::sys_time<std::chrono::milliseconds>;

// Card-not-present: the card number was keyed (01), no PIN can be entered (2); the request came
// over the internet (DE 25 59, e-commerce).
constexpr std::string_view pos_entry_mode = "012";
constexpr std::string_view pos_condition_code = "59";
constexpr std::size_t mac_size = 8;
constexpr std::uint64_t amount_max = 999'999'999'999;  // DE 4 is n12

// The formatted elements of one message: the message keeps views into here, so it lives as long
// as the message (on the builder's stack, no heap).
class element_storage {
 public:
  // `value` as `width` zero-padded digits; empty when it does not fit.
  std::string_view digits(std::uint64_t value, std::size_t width) noexcept {
    SY_ASSERT(used_ + width <= bytes_.size());
    char* at = bytes_.data() + used_;
    for (std::size_t i = width; i-- > 0;) {
      at[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    if (value != 0) return {};
    used_ += width;
    return {at, width};
  }
  // The concatenation of `parts`.
  std::string_view join(std::initializer_list<std::string_view> parts) noexcept {
    char* at = bytes_.data() + used_;
    std::size_t size = 0;
    for (const auto part : parts) {
      SY_ASSERT(used_ + size + part.size() <= bytes_.size());
      std::memcpy(at + size, part.data(), part.size());
      size += part.size();
    }
    used_ += size;
    return {at, size};
  }

 private:
  std::array<char, 256> bytes_{};  // a reversal, the largest, uses about 150
  std::size_t used_ = 0;
};

std::string_view utc_mmddhhmmss(element_storage& s, sys_millis t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(t - day)};
  return s.join({s.digits(static_cast<unsigned>(date.month()), 2),
                 s.digits(static_cast<unsigned>(date.day()), 2),
                 s.digits(static_cast<std::uint64_t>(time.hours().count()), 2),
                 s.digits(static_cast<std::uint64_t>(time.minutes().count()), 2),
                 s.digits(static_cast<std::uint64_t>(time.seconds().count()), 2)});
}

// DE 12 (hhmmss) and DE 13 (MMDD) from the acceptor's local time.
void set_local_time(message& m, element_storage& s, std::chrono::local_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{std::chrono::sys_days{day.time_since_epoch()}};
  const std::chrono::hh_mm_ss time{t - day};
  m.set(12, s.join({s.digits(static_cast<std::uint64_t>(time.hours().count()), 2),
                    s.digits(static_cast<std::uint64_t>(time.minutes().count()), 2),
                    s.digits(static_cast<std::uint64_t>(time.seconds().count()), 2)}));
  m.set(13, s.join({s.digits(static_cast<unsigned>(date.month()), 2),
                    s.digits(static_cast<unsigned>(date.day()), 2)}));
}

// DE 4 and DE 49; false when the amount cannot travel (negative, above n12, no currency).
bool set_amount(message& m, element_storage& s, const protocol::money& amount) {
  if (amount.amount < 0 || static_cast<std::uint64_t>(amount.amount) > amount_max) return false;
  if (amount.currency.numeric == 0) return false;
  m.set(4, s.digits(static_cast<std::uint64_t>(amount.amount), 12));
  m.set(49, s.digits(amount.currency.numeric, 3));
  return true;
}

// DE 2 and DE 14 (YYMM).
bool set_card(message& m, element_storage& s, const card_data& card) {
  if (card.exp_month < 1 || card.exp_month > 12) return false;
  m.set(2, card.pan);
  m.set(14, s.join({s.digits(card.exp_year % 100U, 2), s.digits(card.exp_month, 2)}));
  return true;
}

// DE 7, 11, 12, 13, 32, 37, 41, 42: what every request to a card channel carries.
void set_trace(message& m, element_storage& s, const request_trace& trace,
               const link_context& context) {
  m.set(7, utc_mmddhhmmss(s, trace.transmitted));
  m.set(11, trace.stan);
  set_local_time(m, s, trace.local);
  m.set(32, context.acquirer_id);
  m.set(37, trace.rrn);
  m.set(41, context.terminal_id);
  m.set(42, context.card_acceptor_id);
}

// Packs `m`, with the MAC as its last element when the channel has a key. The MAC field is DE 64,
// or DE 128 when the message has a secondary bitmap: either way the last 8 bytes on the wire.
result<std::size_t> finish(message& m, const link_context& context, std::span<char> out) {
  static constexpr std::array<char, mac_size> placeholder{};
  if (context.mac != nullptr) {
    const std::size_t field = m.presence()[1] != 0 ? 128 : 64;
    m.set(field, std::string_view(placeholder.data(), placeholder.size()));
  }
  auto packed = protocol::iso8583::pack(protocol::iso8583::iso87(), m, out);
  if (!packed) {
    return packed.error().code() == protocol::iso8583::errc::buffer_too_small
               ? errc::malformed_message
               : errc::bad_request_value;
  }
  if (context.mac != nullptr) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(out.data());
    auto mac = context.mac->generate(hsm::bytes_view(bytes, *packed - mac_size));
    if (!mac) return mac.error();
    std::memcpy(out.data() + *packed - mac_size, mac->data(), mac_size);
  }
  return *packed;
}

std::string_view financial_mti(financial_kind kind) noexcept {
  switch (kind) {
    case financial_kind::authorization:
      return "0100";
    case financial_kind::sale:
    case financial_kind::refund:
      return "0200";
    case financial_kind::capture:
      return "0220";
  }
  return "0200";
}

}  // namespace

link_context link_context::of(const config::channel& channel, message_authenticator* mac) noexcept {
  return link_context{
      channel.acquirer_id,        channel.terminal_id, channel.card_acceptor_id,
      channel.card_acceptor_name, channel.spec,        channel.mac_key ? mac : nullptr};
}

financial_request payment_request(const clearing::payment_record& payment, card_data card,
                                  std::string_view merchant_category) noexcept {
  return {payment.capture ? financial_kind::sale : financial_kind::authorization,
          payment.resource.amount,
          card,
          merchant_category,
          {}};
}

financial_request refund_request(const clearing::payment_record&,
                                 const clearing::refund_record& refund, card_data card,
                                 std::string_view merchant_category) noexcept {
  return {financial_kind::refund, refund.resource.amount, card, merchant_category, {}};
}

financial_request capture_request(const clearing::payment_record& payment, card_data card,
                                  std::string_view merchant_category) noexcept {
  SY_ASSERT(payment.change && payment.change->kind == clearing::change_kind::capture);
  const std::int64_t amount = payment.change ? payment.change->amount : 0;
  return {financial_kind::capture,
          {amount, payment.resource.amount.currency},
          card,
          merchant_category,
          payment.resource.authorization_code
              ? std::string_view(*payment.resource.authorization_code)
              : std::string_view()};
}

reversal_request void_request(const clearing::payment_record& payment, card_data card) noexcept {
  original_data original{"0100", payment.stan ? std::string_view(*payment.stan) : "",
                         payment.resource.rrn ? std::string_view(*payment.resource.rrn) : "",
                         purchase_processing_code, std::nullopt};
  return {false, payment.resource.amount, card, original};
}

result<std::size_t> build_financial(const financial_request& request, const request_trace& trace,
                                    const link_context& context, std::span<char> out) {
  if (context.spec != config::iso8583_spec::iso87) return errc::spec_unsupported;
  message m;
  element_storage s;
  m.set_mti(financial_mti(request.kind));
  if (!set_card(m, s, request.card)) return errc::bad_request_value;
  m.set(3,
        request.kind == financial_kind::refund ? refund_processing_code : purchase_processing_code);
  if (!set_amount(m, s, request.amount)) return errc::bad_request_value;
  set_trace(m, s, trace, context);
  m.set(18, request.merchant_category);
  m.set(22, pos_entry_mode);
  m.set(25, pos_condition_code);
  if (request.kind == financial_kind::capture && !request.authorization_code.empty()) {
    m.set(38, request.authorization_code);
  }
  m.set(43, context.card_acceptor_name);
  return finish(m, context, out);
}

result<std::size_t> build_reversal(const reversal_request& request, const request_trace& trace,
                                   const link_context& context, std::span<char> out) {
  if (context.spec != config::iso8583_spec::iso87) return errc::spec_unsupported;
  const original_data& o = request.original;
  if (o.mti.size() != 4 || o.stan.size() != 6 || context.acquirer_id.size() > 11) {
    return errc::bad_request_value;
  }
  message m;
  element_storage s;
  m.set_mti(request.repeat ? "0420" : "0400");
  if (!set_card(m, s, request.card)) return errc::bad_request_value;
  m.set(3, o.processing_code);
  if (!set_amount(m, s, request.amount)) return errc::bad_request_value;
  set_trace(m, s, trace, context);
  // DE 37 of a reversal is the original's: the bank finds what to reverse by it.
  m.set(37, o.rrn);
  const std::string_view original_time =
      o.transmitted ? utc_mmddhhmmss(s, *o.transmitted) : s.digits(0, 10);
  // DE 90 (n42): original MTI, STAN, DE 7, acquiring institution (n11), forwarding institution
  // (n11, none: zeros).
  const std::string_view acquirer_padded = s.join(
      {std::string_view("00000000000", 11 - context.acquirer_id.size()), context.acquirer_id});
  m.set(90, s.join({o.mti, o.stan, original_time, acquirer_padded, s.digits(0, 11)}));
  return finish(m, context, out);
}

result<std::size_t> build_network(network_code code, const request_trace& trace,
                                  const link_context& context, std::span<char> out) {
  if (context.spec != config::iso8583_spec::iso87) return errc::spec_unsupported;
  message m;
  element_storage s;
  m.set_mti("0800");
  m.set(7, utc_mmddhhmmss(s, trace.transmitted));
  m.set(11, trace.stan);
  m.set(70, s.digits(static_cast<std::uint64_t>(code), 3));
  return finish(m, context, out);
}

std::string_view request_mti_of(std::string_view response_mti) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> pairs{{
      {"0110", "0100"},
      {"0210", "0200"},
      {"0230", "0220"},
      {"0410", "0400"},
      {"0430", "0420"},
      {"0810", "0800"},
  }};
  for (const auto& [answer, request] : pairs) {
    if (answer == response_mti) return request;
  }
  return {};
}

namespace {

// The response's MAC, checked as the sender computed it: over every byte before the MAC field.
result<void> check_mac(std::string_view frame, const message& m, const link_context& context) {
  if (context.mac == nullptr) return {};
  const std::size_t field = m.presence()[1] != 0 ? 128 : 64;
  if (!m.has(field) || frame.size() < mac_size) return errc::mac_missing;
  // The MAC field is the last element, so its bytes end the frame (unpack checked there is
  // nothing after the last element).
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(frame.data());
  auto verified = context.mac->verify(hsm::bytes_view(bytes, frame.size() - mac_size),
                                      hsm::bytes_view(bytes + frame.size() - mac_size, mac_size));
  if (!verified) {
    return verified.error() == hsm::errc::verification_failed ? errc::mac_invalid
                                                              : verified.error();
  }
  return {};
}

}  // namespace

result<response> parse_response(std::string_view frame, const link_context& context) {
  if (context.spec != config::iso8583_spec::iso87) return errc::spec_unsupported;
  message m;
  if (!protocol::iso8583::unpack(protocol::iso8583::iso87(), frame, m)) {
    return errc::malformed_message;
  }
  if (request_mti_of(m.mti()).empty()) return errc::unexpected_mti;
  if (!m.has(11) || !m.has(39)) return errc::missing_field;
  if (auto mac = check_mac(frame, m, context); !mac) return mac.error();
  // Views into the frame (ASCII elements are their wire bytes); m.mti() is the message's copy.
  return response{frame.substr(0, 4), m.get(11), m.get(41), m.get(37),
                  m.get(39),          m.get(38), m.get(70)};
}

result<std::size_t> answer_network_request(std::string_view frame, const link_context& context,
                                           std::span<char> out) {
  if (context.spec != config::iso8583_spec::iso87) return errc::spec_unsupported;
  message m;
  if (!protocol::iso8583::unpack(protocol::iso8583::iso87(), frame, m)) {
    return errc::malformed_message;
  }
  if (m.mti() != "0800") return errc::unexpected_mti;
  if (!m.has(11) || !m.has(70)) return errc::missing_field;
  if (auto mac = check_mac(frame, m, context); !mac) return mac.error();
  message answer;
  answer.set_mti("0810");
  // The views point into `frame`, which outlives the answer.
  for (const std::size_t field : {7, 11, 41, 70}) {
    if (m.has(field)) answer.set(field, m.get(field));
  }
  answer.set(39, "00");
  return finish(answer, context, out);
}

clearing::channel_outcome outcome_of(const response& r) {
  const auto declined = protocol::decline_from_response_code(r.response_code);
  if (!declined) return clearing::channel_approved{std::string(r.authorization_code), "00"};
  return clearing::channel_declined{*declined, std::string(r.response_code)};
}

}  // namespace sy::routing::link
