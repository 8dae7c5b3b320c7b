// The ISO 8583:1987 and 1993 data element directories as constexpr tables.
#include "protocol/iso8583/specs.h"

namespace sy::protocol::iso8583 {
namespace {

constexpr field_def fixed(content kind, std::uint16_t size, const char* name,
                          sensitivity visibility = sensitivity::clear) {
  const data_encoding data = kind == content::b ? data_encoding::binary : data_encoding::ascii;
  return {length_type::fixed, kind, data, prefix_encoding::ascii, size, visibility, name};
}

constexpr field_def var(length_type length, content kind, std::uint16_t max, const char* name,
                        sensitivity visibility = sensitivity::clear) {
  const data_encoding data = kind == content::b ? data_encoding::binary : data_encoding::ascii;
  return {length, kind, data, prefix_encoding::ascii, max, visibility, name};
}

constexpr field_def ll(content kind, std::uint16_t max, const char* name,
                       sensitivity visibility = sensitivity::clear) {
  return var(length_type::llvar, kind, max, name, visibility);
}

constexpr field_def lll(content kind, std::uint16_t max, const char* name,
                        sensitivity visibility = sensitivity::clear) {
  return var(length_type::lllvar, kind, max, name, visibility);
}

using enum content;
constexpr auto pan = sensitivity::pan;
constexpr auto track = sensitivity::track;
constexpr auto secret = sensitivity::secret;

// Bitmaps are 64 bits; the b64 of the standard is 8 bytes here because b lengths count bytes.
// Track 3 is n..104 in the standard but carries '=' separators like track 2, so it is z; track 1
// (an..76 in 1987) carries '^' and '/', so it is ans. ICC data (DE 55) can embed the track 2
// equivalent, so it is masked like a track.
constexpr message_spec make_iso87() {
  message_spec s;
  s.name = "iso87";
  auto& f = s.fields;
  f[1] = fixed(b, 8, "bitmap, secondary");
  f[2] = ll(n, 19, "primary account number", pan);
  f[3] = fixed(n, 6, "processing code");
  f[4] = fixed(n, 12, "amount, transaction");
  f[5] = fixed(n, 12, "amount, settlement");
  f[6] = fixed(n, 12, "amount, cardholder billing");
  f[7] = fixed(n, 10, "transmission date and time");
  f[8] = fixed(n, 8, "amount, cardholder billing fee");
  f[9] = fixed(n, 8, "conversion rate, settlement");
  f[10] = fixed(n, 8, "conversion rate, cardholder billing");
  f[11] = fixed(n, 6, "system trace audit number");
  f[12] = fixed(n, 6, "time, local transaction");
  f[13] = fixed(n, 4, "date, local transaction");
  f[14] = fixed(n, 4, "date, expiration");
  f[15] = fixed(n, 4, "date, settlement");
  f[16] = fixed(n, 4, "date, conversion");
  f[17] = fixed(n, 4, "date, capture");
  f[18] = fixed(n, 4, "merchant type");
  f[19] = fixed(n, 3, "acquiring institution country code");
  f[20] = fixed(n, 3, "PAN extended, country code");
  f[21] = fixed(n, 3, "forwarding institution country code");
  f[22] = fixed(n, 3, "point of service entry mode");
  f[23] = fixed(n, 3, "card sequence number");
  f[24] = fixed(n, 3, "network international identifier");
  f[25] = fixed(n, 2, "point of service condition code");
  f[26] = fixed(n, 2, "point of service PIN capture code");
  f[27] = fixed(n, 1, "authorization identification response length");
  f[28] = fixed(xn, 9, "amount, transaction fee");
  f[29] = fixed(xn, 9, "amount, settlement fee");
  f[30] = fixed(xn, 9, "amount, transaction processing fee");
  f[31] = fixed(xn, 9, "amount, settlement processing fee");
  f[32] = ll(n, 11, "acquiring institution identification code");
  f[33] = ll(n, 11, "forwarding institution identification code");
  f[34] = ll(ans, 28, "primary account number, extended", pan);
  f[35] = ll(z, 37, "track 2 data", track);
  f[36] = lll(z, 104, "track 3 data", track);
  f[37] = fixed(an, 12, "retrieval reference number");
  f[38] = fixed(an, 6, "authorization identification response");
  f[39] = fixed(an, 2, "response code");
  f[40] = fixed(an, 3, "service restriction code");
  f[41] = fixed(ans, 8, "card acceptor terminal identification");
  f[42] = fixed(ans, 15, "card acceptor identification code");
  f[43] = fixed(ans, 40, "card acceptor name/location");
  f[44] = ll(an, 25, "additional response data");
  f[45] = ll(ans, 76, "track 1 data", track);
  f[46] = lll(an, 999, "additional data - ISO");
  f[47] = lll(an, 999, "additional data - national");
  f[48] = lll(an, 999, "additional data - private");
  f[49] = fixed(n, 3, "currency code, transaction");
  f[50] = fixed(an, 3, "currency code, settlement");
  f[51] = fixed(an, 3, "currency code, cardholder billing");
  f[52] = fixed(b, 8, "personal identification number data", secret);
  f[53] = fixed(n, 16, "security related control information");
  f[54] = lll(an, 120, "additional amounts");
  f[55] = lll(ans, 999, "reserved ISO (ICC data)", track);
  f[56] = lll(ans, 999, "reserved ISO");
  f[57] = lll(ans, 999, "reserved national");
  f[58] = lll(ans, 999, "reserved national");
  f[59] = lll(ans, 999, "reserved national");
  f[60] = lll(ans, 999, "reserved private");
  f[61] = lll(ans, 999, "reserved private");
  f[62] = lll(ans, 999, "reserved private");
  f[63] = lll(ans, 999, "reserved private");
  f[64] = fixed(b, 8, "message authentication code");
  f[65] = fixed(b, 8, "bitmap, tertiary");
  f[66] = fixed(n, 1, "settlement code");
  f[67] = fixed(n, 2, "extended payment code");
  f[68] = fixed(n, 3, "receiving institution country code");
  f[69] = fixed(n, 3, "settlement institution country code");
  f[70] = fixed(n, 3, "network management information code");
  f[71] = fixed(n, 4, "message number");
  f[72] = fixed(n, 4, "message number, last");
  f[73] = fixed(n, 6, "date, action");
  f[74] = fixed(n, 10, "credits, number");
  f[75] = fixed(n, 10, "credits reversal, number");
  f[76] = fixed(n, 10, "debits, number");
  f[77] = fixed(n, 10, "debits reversal, number");
  f[78] = fixed(n, 10, "transfer, number");
  f[79] = fixed(n, 10, "transfer reversal, number");
  f[80] = fixed(n, 10, "inquiries, number");
  f[81] = fixed(n, 10, "authorizations, number");
  f[82] = fixed(n, 12, "credits, processing fee amount");
  f[83] = fixed(n, 12, "credits, transaction fee amount");
  f[84] = fixed(n, 12, "debits, processing fee amount");
  f[85] = fixed(n, 12, "debits, transaction fee amount");
  f[86] = fixed(n, 16, "credits, amount");
  f[87] = fixed(n, 16, "credits reversal, amount");
  f[88] = fixed(n, 16, "debits, amount");
  f[89] = fixed(n, 16, "debits reversal, amount");
  f[90] = fixed(n, 42, "original data elements");
  f[91] = fixed(an, 1, "file update code");
  f[92] = fixed(an, 2, "file security code");
  f[93] = fixed(an, 5, "response indicator");
  f[94] = fixed(an, 7, "service indicator");
  f[95] = fixed(an, 42, "replacement amounts");
  f[96] = fixed(b, 8, "message security code");
  f[97] = fixed(xn, 17, "amount, net settlement");
  f[98] = fixed(ans, 25, "payee");
  f[99] = ll(n, 11, "settlement institution identification code");
  f[100] = ll(n, 11, "receiving institution identification code");
  f[101] = ll(ans, 17, "file name");
  f[102] = ll(ans, 28, "account identification 1");
  f[103] = ll(ans, 28, "account identification 2");
  f[104] = lll(ans, 100, "transaction description");
  for (std::size_t i = 105; i <= 111; ++i) f[i] = lll(ans, 999, "reserved ISO");
  for (std::size_t i = 112; i <= 119; ++i) f[i] = lll(ans, 999, "reserved national");
  for (std::size_t i = 120; i <= 127; ++i) f[i] = lll(ans, 999, "reserved private");
  f[128] = fixed(b, 8, "message authentication code");
  return s;
}

constexpr message_spec make_iso93() {
  message_spec s;
  s.name = "iso93";
  auto& f = s.fields;
  f[1] = fixed(b, 8, "bitmap, secondary");
  f[2] = ll(n, 19, "primary account number", pan);
  f[3] = fixed(n, 6, "processing code");
  f[4] = fixed(n, 12, "amount, transaction");
  f[5] = fixed(n, 12, "amount, reconciliation");
  f[6] = fixed(n, 12, "amount, cardholder billing");
  f[7] = fixed(n, 10, "date and time, transmission");
  f[8] = fixed(n, 8, "amount, cardholder billing fee");
  f[9] = fixed(n, 8, "conversion rate, reconciliation");
  f[10] = fixed(n, 8, "conversion rate, cardholder billing");
  f[11] = fixed(n, 6, "systems trace audit number");
  f[12] = fixed(n, 12, "date and time, local transaction");
  f[13] = fixed(n, 4, "date, effective");
  f[14] = fixed(n, 4, "date, expiration");
  f[15] = fixed(n, 6, "date, settlement");
  f[16] = fixed(n, 4, "date, conversion");
  f[17] = fixed(n, 4, "date, capture");
  f[18] = fixed(n, 4, "merchant type");
  f[19] = fixed(n, 3, "country code, acquiring institution");
  f[20] = fixed(n, 3, "country code, primary account number");
  f[21] = fixed(n, 3, "country code, forwarding institution");
  f[22] = fixed(an, 12, "point of service data code");
  f[23] = fixed(n, 3, "card sequence number");
  f[24] = fixed(n, 3, "function code");
  f[25] = fixed(n, 4, "message reason code");
  f[26] = fixed(n, 4, "card acceptor business code");
  f[27] = fixed(n, 1, "approval code length");
  f[28] = fixed(n, 6, "date, reconciliation");
  f[29] = fixed(n, 3, "reconciliation indicator");
  f[30] = fixed(n, 24, "amounts, original");
  f[31] = ll(ans, 99, "acquirer reference data");
  f[32] = ll(n, 11, "acquiring institution identification code");
  f[33] = ll(n, 11, "forwarding institution identification code");
  f[34] = ll(ans, 28, "primary account number, extended", pan);
  f[35] = ll(z, 37, "track 2 data", track);
  f[36] = lll(z, 104, "track 3 data", track);
  f[37] = fixed(an, 12, "retrieval reference number");
  f[38] = fixed(an, 6, "approval code");
  f[39] = fixed(n, 3, "action code");
  f[40] = fixed(n, 3, "service code");
  f[41] = fixed(ans, 8, "card acceptor terminal identification");
  f[42] = fixed(ans, 15, "card acceptor identification code");
  f[43] = ll(ans, 99, "card acceptor name/location");
  f[44] = ll(ans, 99, "additional response data");
  f[45] = ll(ans, 76, "track 1 data", track);
  f[46] = lll(ans, 204, "amounts, fees");
  f[47] = lll(ans, 999, "additional data - national");
  f[48] = lll(ans, 999, "additional data - private");
  f[49] = fixed(n, 3, "currency code, transaction");
  f[50] = fixed(n, 3, "currency code, reconciliation");
  f[51] = fixed(n, 3, "currency code, cardholder billing");
  f[52] = fixed(b, 8, "personal identification number data", secret);
  f[53] = ll(b, 48, "security related control information");
  f[54] = lll(ans, 120, "amounts, additional");
  f[55] = lll(b, 255, "integrated circuit card system related data", track);
  f[56] = ll(n, 35, "original data elements");
  f[57] = fixed(n, 3, "authorization life cycle code");
  f[58] = ll(n, 11, "authorizing agent institution identification code");
  f[59] = lll(ans, 999, "transport data");
  for (std::size_t i = 60; i <= 61; ++i) f[i] = lll(ans, 999, "reserved national");
  for (std::size_t i = 62; i <= 63; ++i) f[i] = lll(ans, 999, "reserved private");
  f[64] = fixed(b, 8, "message authentication code");
  f[65] = fixed(b, 8, "reserved ISO");
  f[66] = lll(ans, 204, "amounts, original fees");
  f[67] = fixed(n, 2, "extended payment data");
  f[68] = fixed(n, 3, "country code, receiving institution");
  f[69] = fixed(n, 3, "country code, settlement institution");
  f[70] = fixed(n, 3, "country code, authorizing agent institution");
  f[71] = fixed(n, 8, "message number");
  f[72] = lll(ans, 999, "data record");
  f[73] = fixed(n, 6, "date, action");
  f[74] = fixed(n, 10, "credits, number");
  f[75] = fixed(n, 10, "credits, reversal number");
  f[76] = fixed(n, 10, "debits, number");
  f[77] = fixed(n, 10, "debits, reversal number");
  f[78] = fixed(n, 10, "transfer, number");
  f[79] = fixed(n, 10, "transfer, reversal number");
  f[80] = fixed(n, 10, "inquiries, number");
  f[81] = fixed(n, 10, "authorizations, number");
  f[82] = fixed(n, 10, "inquiries, reversal number");
  f[83] = fixed(n, 10, "payments, number");
  f[84] = fixed(n, 10, "payments, reversal number");
  f[85] = fixed(n, 10, "fee collections, number");
  f[86] = fixed(n, 16, "credits, amount");
  f[87] = fixed(n, 16, "credits, reversal amount");
  f[88] = fixed(n, 16, "debits, amount");
  f[89] = fixed(n, 16, "debits, reversal amount");
  f[90] = fixed(n, 10, "authorizations, reversal number");
  f[91] = fixed(n, 3, "country code, transaction destination institution");
  f[92] = fixed(n, 3, "country code, transaction originator institution");
  f[93] = ll(n, 11, "transaction destination institution identification code");
  f[94] = ll(n, 11, "transaction originator institution identification code");
  f[95] = ll(ans, 99, "card issuer reference data");
  f[96] = lll(b, 999, "key management data");
  f[97] = fixed(xn, 17, "amount, net reconciliation");
  f[98] = fixed(ans, 25, "payee");
  f[99] = ll(an, 11, "settlement institution identification code");
  f[100] = ll(n, 11, "receiving institution identification code");
  f[101] = ll(ans, 17, "file name");
  f[102] = ll(ans, 28, "account identification 1");
  f[103] = ll(ans, 28, "account identification 2");
  f[104] = lll(ans, 100, "transaction description");
  f[105] = fixed(n, 16, "credits, chargeback amount");
  f[106] = fixed(n, 16, "debits, chargeback amount");
  f[107] = fixed(n, 10, "credits, chargeback number");
  f[108] = fixed(n, 10, "debits, chargeback number");
  f[109] = ll(ans, 84, "credits, fee amounts");
  f[110] = ll(ans, 84, "debits, fee amounts");
  for (std::size_t i = 111; i <= 115; ++i) f[i] = lll(ans, 999, "reserved ISO");
  for (std::size_t i = 116; i <= 122; ++i) f[i] = lll(ans, 999, "reserved national");
  for (std::size_t i = 123; i <= 127; ++i) f[i] = lll(ans, 999, "reserved private");
  f[128] = fixed(b, 8, "message authentication code");
  return s;
}

constexpr bool every_field_defined(const message_spec& s) {
  for (std::size_t i = 1; i <= field_count; ++i) {
    if (s.fields[i].length == length_type::unused || s.fields[i].length_max == 0) return false;
  }
  return true;
}

constexpr message_spec iso87_spec = make_iso87();
constexpr message_spec iso93_spec = make_iso93();
static_assert(every_field_defined(iso87_spec), "the 1987 directory has 128 elements");
static_assert(every_field_defined(iso93_spec), "the 1993 directory has 128 elements");

}  // namespace

const message_spec& iso87() noexcept {
  return iso87_spec;
}
const message_spec& iso93() noexcept {
  return iso93_spec;
}

const message_spec* find_spec(std::string_view name) noexcept {
  if (name == "iso87") return &iso87_spec;
  if (name == "iso93") return &iso93_spec;
  return nullptr;
}

}  // namespace sy::protocol::iso8583
