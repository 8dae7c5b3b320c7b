// The simulated bank's answer to one request: unpack, decide by rules, record in the ledger, draw
// latency and faults, pack the response echoing the request's matching fields; with a MAC key,
// check each request's MAC first and MAC each answer as the switch's link does.
#include "routing/sim/bank_responder.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "hsm/primitives.h"
#include "protocol/currency.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"

namespace sy::routing::sim {
namespace {

namespace iso = protocol::iso8583;

// Fields a response carries back from its request: what the switch matches on (11, 37, 41, the
// MTI class), the transaction's identity (2, 3, 4, 7, 12, 13, 49, 32, 42) and, for reversals, the
// original's data (90). Never the PIN block, track data, expiry or MAC.
constexpr std::size_t echoed_fields[] = {2,  3,  4,  7,  11, 12, 13, 18,
                                         22, 25, 32, 37, 41, 42, 49, 90};

// A garbage frame payload for the malformed fault: not a 4-digit MTI, so any ISO 8583 decoder
// rejects it at the first byte.
constexpr std::string_view garbage_payload = "\xff\xfeSIM-MALFORMED";

// DE 64/128 (specs/bank-link.md): 8 bytes ending the message.
constexpr std::size_t mac_size = 8;

// The MAC field of `m`: DE 128 when it has a secondary bitmap, else DE 64; either is its last
// element, so its bytes end the frame.
std::size_t mac_field(const iso::message& m) {
  return m.presence()[1] != 0 ? 128 : 64;
}

bool is_financial(std::string_view mti) {
  return mti == "0100" || mti == "0200" || mti == "0220" || mti == "0400" || mti == "0420";
}

bool is_reversal(std::string_view mti) {
  return mti == "0400" || mti == "0420";
}

event_kind kind_of(const iso::message& request) {
  const std::string_view mti = request.mti();
  if (mti == "0100") return event_kind::authorization;
  if (mti == "0220") return event_kind::capture;
  // DE 3 `20xxxx` is a refund (specs/bank-link.md); anything else a 0200 carries is a sale.
  return request.get(3).substr(0, 2) == "20" ? event_kind::refund : event_kind::sale;
}

std::string currency_of(std::string_view de49) {
  const std::int64_t numeric = parse_amount(de49);
  if (numeric > 0 && numeric < 1000) {
    if (const auto c = protocol::find_currency(static_cast<std::uint16_t>(numeric))) {
      return std::string(c->code());
    }
  }
  return std::string(de49);
}

}  // namespace

bank_responder::bank_responder(const bank_config& config, std::size_t ledger_record_count_max)
    : config_(config),
      rules_(config.rules),
      faults_(config.latency, config.faults, config.seed),
      ledger_(ledger_record_count_max) {}

std::size_t bank_responder::answer_buffer_size() const noexcept {
  return iso::prefix_size(config_.framing) + static_cast<std::size_t>(config_.frame_size_max);
}

std::string bank_responder::business_date() const {
  if (!config_.settlement.business_date.empty()) return config_.settlement.business_date;
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd(today);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

bank_answer bank_responder::answer(std::string_view payload, std::span<char> out) noexcept {
  iso::message request;
  if (!iso::unpack(iso::iso87(), payload, request)) {
    ++stats_.unreadable;
    return {bank_answer::action::none, 0, {}, "frame is not an ISO 8583:1987 message"};
  }
  // A request the bank cannot authenticate is not processed, let alone answered: the switch's
  // side treats a bad MAC the same way (specs/bank-link.md).
  if (signing() && !mac_verifies(payload, request)) {
    ++stats_.mac_failures;
    return {bank_answer::action::none, 0, {}, "request MAC missing or wrong: not answered", true};
  }
  const std::string_view mti = request.mti();
  if (mti == "0800") {
    ++stats_.requests;
    ++stats_.network;
    // Network management is never faulted: the switch can always sign on and echo.
    return respond(request, "00", out);
  }
  if (!is_financial(mti)) {
    ++stats_.ignored;
    return {};
  }
  ++stats_.requests;
  const std::string_view code = decide(request);
  ++(code == "00" ? stats_.approved : stats_.declined);
  // The request is processed whatever the fault: only the answer is lost, as when a network
  // drops it on the way back, so the switch's reversal has something to undo.
  switch (faults_.draw_fault()) {
    case fault::none:
      break;
    case fault::timeout:
      ++stats_.timeouts;
      return {};
    case fault::disconnect:
      ++stats_.disconnects;
      return {bank_answer::action::disconnect, 0, {}, {}};
    case fault::malformed: {
      ++stats_.malformed_sent;
      const std::size_t header = iso::prefix_size(config_.framing);
      const auto prefix = iso::encode_frame_prefix(config_.framing, garbage_payload.size(),
                                                   answer_buffer_size(), out);
      if (!prefix || out.size() < header + garbage_payload.size()) return {};
      garbage_payload.copy(out.data() + header, garbage_payload.size());
      return {bank_answer::action::malformed,
              header + garbage_payload.size(),
              faults_.draw_latency(),
              {}};
    }
  }
  return respond(request, code, out);
}

std::string_view bank_responder::decide(const message& request) noexcept {
  const std::string_view mti = request.mti();
  if (is_reversal(mti)) {
    if (!request.has(11) || !request.has(41)) return "30";
    // A reversal is always acknowledged, even of something never approved, or the switch would
    // repeat its 0420 forever.
    if (!ledger_.reverse(request.get(90), request.get(37))) ++stats_.reversals_unmatched;
    return "00";
  }
  // Without these the switch cannot match the answer or the bank cannot settle it: format error.
  if (!request.has(4) || !request.has(11) || !request.has(37) || !request.has(41)) return "30";
  // A completion advice reports a capture already agreed: advices are acknowledged, not judged.
  const std::string_view code =
      mti == "0220" ? std::string_view("00") : rules_.decide(request.get(2), request.get(4));
  if (code != "00") return code;
  return record_approval(request);
}

std::string_view bank_responder::record_approval(const message& request) noexcept {
  authorization_counter_ = authorization_counter_ % 999999 + 1;
  char code[8];
  std::snprintf(code, sizeof code, "%06u", static_cast<unsigned>(authorization_counter_));
  std::copy(code, code + 6, authorization_code_.begin());
  ledger_record record;
  record.rrn = std::string(request.get(37));
  record.stan = std::string(request.get(11));
  record.transmission_time = std::string(request.get(7));
  record.kind = kind_of(request);
  const std::int64_t amount = parse_amount(request.get(4));
  record.amount = record.kind == event_kind::refund ? -amount : amount;
  record.currency = currency_of(request.get(49));
  record.authorization_code.assign(authorization_code_.data(), authorization_code_.size());
  record.business_date = business_date();
  switch (ledger_.add(std::move(record))) {
    case bank_ledger::add_result::added:
      return "00";
    case bank_ledger::add_result::duplicate: {
      // A retransmission: answer as the first time, with the first authorization code.
      const ledger_record* first = ledger_.find(request.get(37));
      const std::string& first_code = first->authorization_code;
      std::copy(first_code.begin(), first_code.begin() + 6, authorization_code_.begin());
      return "00";
    }
    case bank_ledger::add_result::full:
      ++stats_.ledger_full;
      return "96";
  }
  return "96";
}

bank_answer bank_responder::respond(const message& request, std::string_view code,
                                    std::span<char> out) noexcept {
  message response;
  std::array<char, 4> mti{};
  std::copy(request.mti().begin(), request.mti().end(), mti.begin());
  mti[2] = static_cast<char>(mti[2] + 1);  // 0200 -> 0210: the response of the same class
  response.set_mti({mti.data(), mti.size()});
  for (const std::size_t field : echoed_fields) {
    if (request.has(field)) response.set(field, request.get(field));
  }
  if (request.mti() == "0800") {
    if (request.has(70)) response.set(70, request.get(70));
  } else if (code == "00" && !is_reversal(request.mti())) {
    response.set(38, {authorization_code_.data(), authorization_code_.size()});
  }
  response.set(39, code);
  return frame(response, out);
}

bool bank_responder::mac_verifies(std::string_view payload, const message& request) const noexcept {
  if (!request.has(mac_field(request)) || payload.size() < mac_size) return false;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
  const std::size_t signed_size = payload.size() - mac_size;
  const auto expected = hsm::primitives::message_mac(
      config_.mac.algorithm, config_.mac.key_bytes.view(), hsm::bytes_view(bytes, signed_size));
  if (!expected) return false;
  // Constant time, as the HSM compares: how many bytes matched never shows in the timing.
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < mac_size; ++i) difference |= (*expected)[i] ^ bytes[signed_size + i];
  return difference == 0;
}

bank_answer bank_responder::frame(message& response, std::span<char> out) noexcept {
  static constexpr std::array<char, mac_size> placeholder{};
  const std::size_t header = iso::prefix_size(config_.framing);
  const auto frame_max = static_cast<std::size_t>(config_.frame_size_max);
  if (out.size() < header) return {};
  if (signing()) response.set(mac_field(response), {placeholder.data(), placeholder.size()});
  const auto packed = iso::pack(iso::iso87(), response, out.subspan(header));
  if (!packed || *packed > frame_max) {
    ++stats_.unreadable;
    return {bank_answer::action::none, 0, {}, "answer does not fit a frame"};
  }
  if (signing()) {
    auto* bytes = reinterpret_cast<std::uint8_t*>(out.data() + header);
    const auto mac =
        hsm::primitives::message_mac(config_.mac.algorithm, config_.mac.key_bytes.view(),
                                     hsm::bytes_view(bytes, *packed - mac_size));
    if (!mac) {
      ++stats_.unreadable;
      return {bank_answer::action::none, 0, {}, "answer MAC could not be computed"};
    }
    std::copy(mac->begin(), mac->end(), bytes + *packed - mac_size);
  }
  if (!iso::encode_frame_prefix(config_.framing, *packed, frame_max, out)) return {};
  return {bank_answer::action::respond, header + *packed, faults_.draw_latency(), {}};
}

}  // namespace sy::routing::sim
