// The bank link's messages (specs/bank-link.md, ISO 8583:1987): building each request the switch
// sends, with its MAC, and reading each response back into the switch's outcome. No I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "clearing/payment.h"
#include "config/config.h"
#include "config/result.h"
#include "protocol/money.h"
#include "routing/link/message_authenticator.h"

namespace sy::routing::link {

// Who the switch is on this channel, and how it signs: from the channel's configuration.
struct link_context {
  std::string_view acquirer_id;         // DE 32, n..11
  std::string_view terminal_id;         // DE 41, ans8
  std::string_view card_acceptor_id;    // DE 42, ans15
  std::string_view card_acceptor_name;  // DE 43, ans40
  config::iso8583_spec spec = config::iso8583_spec::iso87;
  message_authenticator* mac = nullptr;  // none: no DE 64/128 sent or expected

  // Views into `channel`, which must outlive the context.
  static link_context of(const config::channel& channel, message_authenticator* mac) noexcept;
};

// The numbers and times of one request.
struct request_trace {
  std::string_view stan;  // DE 11, 6 digits (sequence_allocator)
  std::string_view rrn;   // DE 37, 12 characters; unused by 0800
  std::chrono::sys_time<std::chrono::milliseconds> transmitted{};  // DE 7, UTC
  std::chrono::local_seconds local{};  // DE 12 / 13: the acceptor's local time
};

// The card as the request needs it. `pan` is the clear PAN the HSM just decrypted: it is only
// read into the output buffer, never kept, and never appears in an error.
struct card_data {
  std::string_view pan;  // DE 2
  std::uint8_t exp_month = 0;
  std::uint16_t exp_year = 0;  // DE 14 is YYMM
};

// DE 3 of the requests the switch sends (specs/bank-link.md).
inline constexpr std::string_view purchase_processing_code = "000000";
inline constexpr std::string_view refund_processing_code = "200000";

enum class financial_kind : std::uint8_t {
  authorization,  // 0100, DE 3 000000
  sale,           // 0200, DE 3 000000
  refund,         // 0200, DE 3 200000
  capture,        // 0220, DE 3 000000, DE 38 of the authorization
};

struct financial_request {
  financial_kind kind = financial_kind::sale;
  protocol::money amount;  // DE 4 and DE 49
  card_data card;
  std::string_view merchant_category;   // DE 18, the merchant's MCC
  std::string_view authorization_code;  // capture: DE 38 of the authorization (may be empty)
};

// What a reversal names in DE 90: the request it reverses.
struct original_data {
  std::string_view mti;              // "0100", "0200", "0220"
  std::string_view stan;             // DE 11 of the original
  std::string_view rrn;              // DE 37 of the original, repeated in the reversal's DE 37
  std::string_view processing_code;  // DE 3 of the original
  // DE 7 of the original; nullopt (zeros in DE 90) when it is not known, as for a void of an
  // authorization whose send time the book does not keep.
  std::optional<std::chrono::sys_time<std::chrono::milliseconds>> transmitted;
};

struct reversal_request {
  bool repeat = false;  // false: 0400; true: 0420 (a store-and-forward repeat)
  protocol::money amount;
  card_data card;
  original_data original;
};

enum class network_code : std::uint16_t { sign_on = 1, sign_off = 2, echo = 301 };  // DE 70

// ---- from the book's records to requests ----
financial_request payment_request(const clearing::payment_record& payment, card_data card,
                                  std::string_view merchant_category) noexcept;
financial_request refund_request(const clearing::payment_record& payment,
                                 const clearing::refund_record& refund, card_data card,
                                 std::string_view merchant_category) noexcept;
// A payment's pending capture (0220) with the authorization's DE 38. Precondition: the payment's
// pending change is a capture (a void is a reversal: void_request).
financial_request capture_request(const clearing::payment_record& payment, card_data card,
                                  std::string_view merchant_category) noexcept;
// A payment's pending void: a 0400 reversing its authorization (0100, the payment's STAN and RRN).
reversal_request void_request(const clearing::payment_record& payment, card_data card) noexcept;

// ---- building: each writes one message (no length prefix) into `out` and returns its size ----
// When the context has a MAC, DE 64 (DE 128 when a field above 64 is present) ends the message
// and carries the MAC of every byte before it. Errors: bad_request_value (a value that does not
// fit its element: amount, ids, PAN digits; never echoing the value), spec_unsupported (iso93),
// malformed_message (out too small), and the authenticator's errors.
result<std::size_t> build_financial(const financial_request& request, const request_trace& trace,
                                    const link_context& context, std::span<char> out);
result<std::size_t> build_reversal(const reversal_request& request, const request_trace& trace,
                                   const link_context& context, std::span<char> out);
// 0800 with DE 7, DE 11 and DE 70 (the trace's RRN and local time are unused).
result<std::size_t> build_network(network_code code, const request_trace& trace,
                                  const link_context& context, std::span<char> out);

// ---- reading responses ----

// A response's elements that matter to the switch, as views into the frame it was read from.
struct response {
  std::string_view mti;                 // 0110 0210 0230 0410 0430 0810
  std::string_view stan;                // DE 11
  std::string_view terminal_id;         // DE 41 as on the wire (8 characters); empty if absent
  std::string_view rrn;                 // DE 37; empty if absent
  std::string_view response_code;       // DE 39
  std::string_view authorization_code;  // DE 38; empty if absent
  std::string_view network_code;        // DE 70 (0810); empty if absent
};

// The MTI of the request a response answers ("0210" -> "0200"); empty for anything that is not
// one of the responses above.
std::string_view request_mti_of(std::string_view response_mti) noexcept;

// Reads one message (its length prefix removed) as a response. Errors: malformed_message (does
// not decode; the codec's error never carries element data), unexpected_mti, missing_field
// (DE 11 or DE 39), mac_missing / mac_invalid (the context has a MAC: the caller treats the
// response as never received), the authenticator's other errors, spec_unsupported.
result<response> parse_response(std::string_view frame, const link_context& context);

// The 0810 answering a network management request the bank sent (specs/bank-link.md: 0800 goes
// both ways; banks echo idle links too), written into `out`: DE 7, 11, 41 and 70 as received,
// DE 39 00, the MAC when the context has one. Errors: malformed_message, unexpected_mti (not an
// 0800), missing_field (DE 11 or DE 70), mac_missing / mac_invalid (left unanswered, like a
// response with a bad MAC), spec_unsupported, the authenticator's errors.
result<std::size_t> answer_network_request(std::string_view frame, const link_context& context,
                                           std::span<char> out);

// A 0110/0210/0230 answer as the book takes it: DE 39 00 approved (with DE 38), any other code
// declined with the decline it maps to (protocol::decline_from_response_code).
clearing::channel_outcome outcome_of(const response& r);

}  // namespace sy::routing::link
