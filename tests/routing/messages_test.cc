// Tests of the bank link's messages: every request the builders write decodes with the
// independent ISO 8583:1987 decoder to exactly the elements specs/bank-link.md prescribes; MACs
// are computed over the bytes before the MAC field and checked on responses; DE 39 maps onto the
// switch's outcomes; a bad value never echoes card data.
#include "routing/link/messages.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "independent_iso87_decoder.h"
#include "link_test_support.h"
#include "protocol/currency.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/specs.h"
#include "routing/link/errc.h"

namespace sy::routing::link {
namespace {

using test::fake_authenticator;
using test::test_context;
using test::test_trace;
using namespace std::string_literals;

constexpr std::string_view pan = "4111111111111111";

protocol::money eur(std::int64_t amount) {
  return {amount, *protocol::find_currency("EUR")};
}

card_data card() {
  return {pan, 12, 2028};
}

financial_request sale() {
  return {financial_kind::sale, eur(1000), card(), "5411", {}};
}

// Builds with `build` and decodes the bytes independently; fails the test on any error.
template <class Build>
routing::test::decoded_message built(Build build, std::string* wire = nullptr) {
  std::array<char, 1024> out{};
  auto size = build(std::span<char>(out));
  EXPECT_TRUE(size.has_value()) << (size ? "" : size.error().message());
  if (!size) return {};
  std::string error;
  const std::string bytes(out.data(), *size);
  if (wire != nullptr) *wire = bytes;
  auto decoded = routing::test::decode_iso87(bytes, error);
  EXPECT_EQ(error, "");
  return decoded;
}

std::map<int, std::string> card_request_fields(std::string processing_code) {
  return {{2, std::string(pan)},
          {3, std::move(processing_code)},
          {4, "000000001000"},
          {7, "1121231845"},  // UTC
          {11, "000123"},
          {12, "001845"},  // local
          {13, "1122"},
          {14, "2812"},
          {18, "5411"},
          {22, "012"},
          {25, "59"},
          {32, "123456"},
          {37, "000000001234"},
          {41, "TERM0001"},
          {42, "MERCHANT0000001"},
          {43, "SWITCHYARD SHOP BERLIN DE               "},
          {49, "978"}};
}

TEST(LinkMessages, SaleIsA0200WithEveryElementOfTheTable) {
  const auto m = built([](std::span<char> out) {
    return build_financial(sale(), test_trace(), test_context(), out);
  });
  EXPECT_EQ(m.mti, "0200");
  EXPECT_EQ(m.fields, card_request_fields("000000"));
}

TEST(LinkMessages, AuthorizationIsA0100AndRefundA0200WithProcessingCode200000) {
  auto auth = sale();
  auth.kind = financial_kind::authorization;
  const auto a = built([&](std::span<char> out) {
    return build_financial(auth, test_trace(), test_context(), out);
  });
  EXPECT_EQ(a.mti, "0100");
  EXPECT_EQ(a.fields, card_request_fields("000000"));

  auto refund = sale();
  refund.kind = financial_kind::refund;
  const auto r = built([&](std::span<char> out) {
    return build_financial(refund, test_trace(), test_context(), out);
  });
  EXPECT_EQ(r.mti, "0200");
  EXPECT_EQ(r.fields, card_request_fields("200000"));
}

TEST(LinkMessages, CaptureIsA0220CarryingTheAuthorizationCode) {
  clearing::payment_record p;
  p.resource.amount = eur(5000);
  p.resource.authorization_code = "A1B2C3";
  p.change =
      clearing::pending_change{clearing::change_kind::capture, 1000, "000000001234", "000123"};
  const auto c = built([&](std::span<char> out) {
    return build_financial(capture_request(p, card(), "5411"), test_trace(), test_context(), out);
  });
  EXPECT_EQ(c.mti, "0220");
  auto expected = card_request_fields("000000");
  expected[38] = "A1B2C3";
  EXPECT_EQ(c.fields, expected);
}

TEST(LinkMessages, RequestsFromTheBooksRecords) {
  clearing::payment_record p;
  p.resource.amount = eur(1000);
  p.capture = false;
  EXPECT_EQ(payment_request(p, card(), "5411").kind, financial_kind::authorization);
  p.capture = true;
  EXPECT_EQ(payment_request(p, card(), "5411").kind, financial_kind::sale);
  EXPECT_EQ(payment_request(p, card(), "5411").amount, eur(1000));
  clearing::refund_record r;
  r.resource.amount = eur(300);
  const auto refund = refund_request(p, r, card(), "5411");
  EXPECT_EQ(refund.kind, financial_kind::refund);
  EXPECT_EQ(refund.amount, eur(300));
}

TEST(LinkMessages, ReversalIs0400And0420WithOriginalDataElements) {
  reversal_request rev{false, eur(1000), card(),
                       original_data{"0200", "000120", "000000001111", "000000",
                                     test_trace().transmitted - std::chrono::seconds(30)}};
  for (const bool repeat : {false, true}) {
    rev.repeat = repeat;
    const auto m = built([&](std::span<char> out) {
      return build_reversal(rev, test_trace(), test_context(), out);
    });
    EXPECT_EQ(m.mti, repeat ? "0420" : "0400");
    const std::map<int, std::string> expected{
        {2, std::string(pan)},
        {3, "000000"},
        {4, "000000001000"},
        {7, "1121231845"},
        {11, "000123"},
        {12, "001845"},
        {13, "1122"},
        {14, "2812"},
        {32, "123456"},
        {37, "000000001111"},
        {41, "TERM0001"},
        {42, "MERCHANT0000001"},
        {49, "978"},
        // MTI, STAN, DE 7 of the original, acquirer n11, forwarding institution n11.
        {90,
         "0200"
         "000120"
         "1121231815"
         "00000123456"
         "00000000000"}};
    EXPECT_EQ(m.fields, expected);
  }
}

TEST(LinkMessages, VoidReversesTheAuthorizationWithUnknownTimeAsZeros) {
  clearing::payment_record p;
  p.resource.amount = eur(700);
  p.resource.rrn = "000000000042";
  p.stan = "000041";
  const auto m = built([&](std::span<char> out) {
    return build_reversal(void_request(p, card()), test_trace(), test_context(), out);
  });
  EXPECT_EQ(m.mti, "0400");
  EXPECT_EQ(m.fields.at(37), "000000000042");
  EXPECT_EQ(m.fields.at(90),
            "0100"
            "000041"
            "0000000000"
            "00000123456"
            "00000000000");
}

TEST(LinkMessages, NetworkManagementCarriesDe70) {
  const std::array<std::pair<network_code, std::string>, 3> cases{{{network_code::sign_on, "001"},
                                                                   {network_code::sign_off, "002"},
                                                                   {network_code::echo, "301"}}};
  for (const auto& [code, de70] : cases) {
    const auto m = built([&](std::span<char> out) {
      return build_network(code, test_trace(), test_context(), out);
    });
    EXPECT_EQ(m.mti, "0800");
    const std::map<int, std::string> expected{{7, "1121231845"}, {11, "000123"}, {70, de70}};
    EXPECT_EQ(m.fields, expected);
  }
}

TEST(LinkMessages, MacEndsTheMessageInDe64OrDe128WhenASecondaryBitmapIsPresent) {
  fake_authenticator mac;
  std::string wire;
  const auto m = built(
      [&](std::span<char> out) {
        return build_financial(sale(), test_trace(), test_context(&mac), out);
      },
      &wire);
  ASSERT_TRUE(m.fields.contains(64));
  const auto expected = fake_authenticator::of(
      hsm::bytes_view(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size() - 8));
  EXPECT_EQ(m.fields.at(64), std::string(expected.begin(), expected.end()));

  // DE 70 is above 64: the MAC moves to DE 128, still the last 8 bytes.
  const auto n = built(
      [&](std::span<char> out) {
        return build_network(network_code::echo, test_trace(), test_context(&mac), out);
      },
      &wire);
  EXPECT_FALSE(n.fields.contains(64));
  ASSERT_TRUE(n.fields.contains(128));
  const auto expected_128 = fake_authenticator::of(
      hsm::bytes_view(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size() - 8));
  EXPECT_EQ(n.fields.at(128), std::string(expected_128.begin(), expected_128.end()));
  EXPECT_EQ(mac.generated, 2);
}

TEST(LinkMessages, ValuesThatDoNotFitAreRefusedWithoutEchoingThem) {
  std::array<char, 1024> out{};
  auto big = sale();
  big.amount = eur(1'000'000'000'000);  // 13 digits
  EXPECT_EQ(build_financial(big, test_trace(), test_context(), out).error(),
            errc::bad_request_value);
  auto negative = sale();
  negative.amount = eur(-1);
  EXPECT_EQ(build_financial(negative, test_trace(), test_context(), out).error(),
            errc::bad_request_value);
  auto bad_pan = sale();
  bad_pan.card.pan = "41111111111111112222";  // 20 digits
  const auto refused = build_financial(bad_pan, test_trace(), test_context(), out);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::bad_request_value);
  EXPECT_EQ(refused.error().message().find("4111"), std::string::npos);
  auto ctx = test_context();
  ctx.spec = config::iso8583_spec::iso93;
  EXPECT_EQ(build_financial(sale(), test_trace(), ctx, out).error(), errc::spec_unsupported);
  std::array<char, 40> small{};
  EXPECT_EQ(build_financial(sale(), test_trace(), test_context(), small).error(),
            errc::malformed_message);
}

// ---- responses ----

// A response as a bank writes it, packed with the production codec and MAC'd like a request.
std::string bank_response(std::string mti, std::string de39, message_authenticator* mac = nullptr,
                          std::string de38 = "AUTH01") {
  protocol::iso8583::message m;
  m.set_mti(mti);
  m.set(11, "000123");
  m.set(37, "000000001234");
  if (!de38.empty()) m.set(38, de38);
  m.set(39, de39);
  m.set(41, "TERM0001");
  static const std::string placeholder(8, '\0');
  if (mac != nullptr) m.set(64, placeholder);
  std::array<char, 512> out{};
  auto n = protocol::iso8583::pack(protocol::iso8583::iso87(), m, out);
  EXPECT_TRUE(n.has_value());
  std::string bytes(out.data(), n ? *n : 0);
  if (mac != nullptr) {
    auto v = mac->generate(
        hsm::bytes_view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size() - 8));
    bytes.replace(bytes.size() - 8, 8, std::string(v->begin(), v->end()));
  }
  return bytes;
}

TEST(LinkResponses, ApprovalCarriesDe38AndDe39) {
  const std::string bytes = bank_response("0210", "00");
  auto r = parse_response(bytes, test_context());
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->mti, "0210");
  EXPECT_EQ(r->stan, "000123");
  EXPECT_EQ(r->terminal_id, "TERM0001");
  EXPECT_EQ(r->rrn, "000000001234");
  const auto outcome = outcome_of(*r);
  ASSERT_TRUE(std::holds_alternative<clearing::channel_approved>(outcome));
  EXPECT_EQ(std::get<clearing::channel_approved>(outcome).authorization_code, "AUTH01");
  EXPECT_EQ(std::get<clearing::channel_approved>(outcome).response_code, "00");
}

TEST(LinkResponses, EveryDeclineCodeMapsToItsDecline) {
  using protocol::decline;
  const std::vector<std::pair<std::string, decline>> cases{
      {"05", decline::do_not_honor},          {"14", decline::invalid_card_number},
      {"51", decline::insufficient_funds},    {"54", decline::expired_card},
      {"61", decline::amount_limit_exceeded}, {"91", decline::issuer_unavailable},
      {"96", decline::system_malfunction},    {"Z9", decline::do_not_honor}};
  for (const auto& [code, expected] : cases) {
    const std::string bytes = bank_response("0110", code, nullptr, "");
    auto r = parse_response(bytes, test_context());
    ASSERT_TRUE(r.has_value()) << code;
    const auto outcome = outcome_of(*r);
    ASSERT_TRUE(std::holds_alternative<clearing::channel_declined>(outcome)) << code;
    EXPECT_EQ(std::get<clearing::channel_declined>(outcome).code, expected) << code;
    EXPECT_EQ(std::get<clearing::channel_declined>(outcome).response_code, code);
  }
}

TEST(LinkResponses, AGoodMacPassesABadOrMissingOneIsNoResponse) {
  fake_authenticator mac;
  const std::string good = bank_response("0210", "00", &mac);
  EXPECT_TRUE(parse_response(good, test_context(&mac)).has_value());

  std::string tampered = good;
  tampered[tampered.find("AUTH01")] = 'B';  // a changed authorization code
  EXPECT_EQ(parse_response(tampered, test_context(&mac)).error(), errc::mac_invalid);
  std::string bad_mac = good;
  bad_mac.back() = static_cast<char>(bad_mac.back() ^ 1);
  EXPECT_EQ(parse_response(bad_mac, test_context(&mac)).error(), errc::mac_invalid);
  EXPECT_EQ(parse_response(bank_response("0210", "00"), test_context(&mac)).error(),
            errc::mac_missing);
}

TEST(LinkResponses, RequestsAndGarbageAreRefused) {
  EXPECT_EQ(parse_response(bank_response("0200", "00"), test_context()).error(),
            errc::unexpected_mti);
  EXPECT_EQ(parse_response("02", test_context()).error(), errc::malformed_message);
  std::string cut = bank_response("0210", "00");
  cut.pop_back();
  EXPECT_EQ(parse_response(cut, test_context()).error(), errc::malformed_message);

  protocol::iso8583::message m;  // no DE 39
  m.set_mti("0210");
  m.set(11, "000123");
  std::array<char, 64> out{};
  const auto n = protocol::iso8583::pack(protocol::iso8583::iso87(), m, out);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(parse_response(std::string_view(out.data(), *n), test_context()).error(),
            errc::missing_field);
}

TEST(LinkResponses, TheBanksEchoIsAnsweredWithAn0810AndOnlyWithAGoodMac) {
  fake_authenticator mac;
  for (message_authenticator* authenticator :
       {static_cast<message_authenticator*>(nullptr), static_cast<message_authenticator*>(&mac)}) {
    std::string echo;
    built(
        [&](std::span<char> out) {
          return build_network(network_code::echo, test_trace("000777"),
                               test_context(authenticator), out);
        },
        &echo);
    std::string wire;
    const auto m = built(
        [&](std::span<char> out) {
          return answer_network_request(echo, test_context(authenticator), out);
        },
        &wire);
    EXPECT_EQ(m.mti, "0810");
    EXPECT_EQ(m.fields.at(7), "1121231845");
    EXPECT_EQ(m.fields.at(11), "000777");
    EXPECT_EQ(m.fields.at(39), "00");
    EXPECT_EQ(m.fields.at(70), "301");
    if (authenticator != nullptr) {
      ASSERT_EQ(m.fields.count(128), 1u);  // DE 70 brings the secondary bitmap
      EXPECT_TRUE(parse_response(wire, test_context(authenticator)).has_value());
      echo.back() = static_cast<char>(echo.back() ^ 1);
      std::array<char, 256> out{};
      EXPECT_EQ(answer_network_request(echo, test_context(authenticator), out).error(),
                errc::mac_invalid);
    }
  }
  std::array<char, 256> out{};
  EXPECT_EQ(answer_network_request(bank_response("0200", "00"), test_context(), out).error(),
            errc::unexpected_mti);
  EXPECT_EQ(answer_network_request("08", test_context(), out).error(), errc::malformed_message);
}

TEST(LinkResponses, ResponseMtisNameTheirRequests) {
  EXPECT_EQ(request_mti_of("0110"), "0100");
  EXPECT_EQ(request_mti_of("0210"), "0200");
  EXPECT_EQ(request_mti_of("0230"), "0220");
  EXPECT_EQ(request_mti_of("0410"), "0400");
  EXPECT_EQ(request_mti_of("0430"), "0420");
  EXPECT_EQ(request_mti_of("0810"), "0800");
  EXPECT_EQ(request_mti_of("0200"), "");
}

// Every prefix of a valid response is refused, never read past its end.
TEST(LinkResponses, EveryTruncationIsRefusedSafely) {
  fake_authenticator mac;
  const std::string good = bank_response("0210", "00", &mac);
  for (std::size_t size = 0; size < good.size(); ++size) {
    EXPECT_FALSE(parse_response(std::string_view(good).substr(0, size), test_context(&mac)));
  }
}

}  // namespace
}  // namespace sy::routing::link
