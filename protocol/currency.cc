// The ISO 4217 table (list of 2025, after ANG gave way to XCG and ZWL to ZWG) and its lookups.
// Sortedness and uniqueness are checked at compile time, so a lookup is a binary search by
// alphabetic code or one array index by numeric code.
#include "protocol/currency.h"

#include <algorithm>

namespace sy::protocol {
namespace {

constexpr currency c(const char (&a)[4], std::uint16_t numeric, std::uint8_t exponent) {
  return currency{{a[0], a[1], a[2]}, numeric, exponent};
}

// Funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are included: they have exponents
// and banks do settle in them. Withdrawn codes (HRK, SLL, VEF, ZWL, ANG, ...) are not.
constexpr std::array table{
    c("AED", 784, 2), c("AFN", 971, 2), c("ALL", 8, 2),   c("AMD", 51, 2),  c("AOA", 973, 2),
    c("ARS", 32, 2),  c("AUD", 36, 2),  c("AWG", 533, 2), c("AZN", 944, 2), c("BAM", 977, 2),
    c("BBD", 52, 2),  c("BDT", 50, 2),  c("BGN", 975, 2), c("BHD", 48, 3),  c("BIF", 108, 0),
    c("BMD", 60, 2),  c("BND", 96, 2),  c("BOB", 68, 2),  c("BOV", 984, 2), c("BRL", 986, 2),
    c("BSD", 44, 2),  c("BTN", 64, 2),  c("BWP", 72, 2),  c("BYN", 933, 2), c("BZD", 84, 2),
    c("CAD", 124, 2), c("CDF", 976, 2), c("CHE", 947, 2), c("CHF", 756, 2), c("CHW", 948, 2),
    c("CLF", 990, 4), c("CLP", 152, 0), c("CNY", 156, 2), c("COP", 170, 2), c("COU", 970, 2),
    c("CRC", 188, 2), c("CUC", 931, 2), c("CUP", 192, 2), c("CVE", 132, 2), c("CZK", 203, 2),
    c("DJF", 262, 0), c("DKK", 208, 2), c("DOP", 214, 2), c("DZD", 12, 2),  c("EGP", 818, 2),
    c("ERN", 232, 2), c("ETB", 230, 2), c("EUR", 978, 2), c("FJD", 242, 2), c("FKP", 238, 2),
    c("GBP", 826, 2), c("GEL", 981, 2), c("GHS", 936, 2), c("GIP", 292, 2), c("GMD", 270, 2),
    c("GNF", 324, 0), c("GTQ", 320, 2), c("GYD", 328, 2), c("HKD", 344, 2), c("HNL", 340, 2),
    c("HTG", 332, 2), c("HUF", 348, 2), c("IDR", 360, 2), c("ILS", 376, 2), c("INR", 356, 2),
    c("IQD", 368, 3), c("IRR", 364, 2), c("ISK", 352, 0), c("JMD", 388, 2), c("JOD", 400, 3),
    c("JPY", 392, 0), c("KES", 404, 2), c("KGS", 417, 2), c("KHR", 116, 2), c("KMF", 174, 0),
    c("KPW", 408, 2), c("KRW", 410, 0), c("KWD", 414, 3), c("KYD", 136, 2), c("KZT", 398, 2),
    c("LAK", 418, 2), c("LBP", 422, 2), c("LKR", 144, 2), c("LRD", 430, 2), c("LSL", 426, 2),
    c("LYD", 434, 3), c("MAD", 504, 2), c("MDL", 498, 2), c("MGA", 969, 2), c("MKD", 807, 2),
    c("MMK", 104, 2), c("MNT", 496, 2), c("MOP", 446, 2), c("MRU", 929, 2), c("MUR", 480, 2),
    c("MVR", 462, 2), c("MWK", 454, 2), c("MXN", 484, 2), c("MXV", 979, 2), c("MYR", 458, 2),
    c("MZN", 943, 2), c("NAD", 516, 2), c("NGN", 566, 2), c("NIO", 558, 2), c("NOK", 578, 2),
    c("NPR", 524, 2), c("NZD", 554, 2), c("OMR", 512, 3), c("PAB", 590, 2), c("PEN", 604, 2),
    c("PGK", 598, 2), c("PHP", 608, 2), c("PKR", 586, 2), c("PLN", 985, 2), c("PYG", 600, 0),
    c("QAR", 634, 2), c("RON", 946, 2), c("RSD", 941, 2), c("RUB", 643, 2), c("RWF", 646, 0),
    c("SAR", 682, 2), c("SBD", 90, 2),  c("SCR", 690, 2), c("SDG", 938, 2), c("SEK", 752, 2),
    c("SGD", 702, 2), c("SHP", 654, 2), c("SLE", 925, 2), c("SOS", 706, 2), c("SRD", 968, 2),
    c("SSP", 728, 2), c("STN", 930, 2), c("SVC", 222, 2), c("SYP", 760, 2), c("SZL", 748, 2),
    c("THB", 764, 2), c("TJS", 972, 2), c("TMT", 934, 2), c("TND", 788, 3), c("TOP", 776, 2),
    c("TRY", 949, 2), c("TTD", 780, 2), c("TWD", 901, 2), c("TZS", 834, 2), c("UAH", 980, 2),
    c("UGX", 800, 0), c("USD", 840, 2), c("USN", 997, 2), c("UYI", 940, 0), c("UYU", 858, 2),
    c("UYW", 927, 4), c("UZS", 860, 2), c("VED", 926, 2), c("VES", 928, 2), c("VND", 704, 0),
    c("VUV", 548, 0), c("WST", 882, 2), c("XAF", 950, 0), c("XCD", 951, 2), c("XCG", 532, 2),
    c("XOF", 952, 0), c("XPF", 953, 0), c("YER", 886, 2), c("ZAR", 710, 2), c("ZMW", 967, 2),
    c("ZWG", 924, 2),
};

constexpr bool alpha_less(const currency& a, const currency& b) {
  return a.alpha < b.alpha;
}

static_assert(std::is_sorted(table.begin(), table.end(), alpha_less),
              "the table must be sorted by alphabetic code for binary search");
static_assert(std::adjacent_find(table.begin(), table.end(),
                                 [](const currency& a, const currency& b) {
                                   return a.alpha == b.alpha;
                                 }) == table.end(),
              "alphabetic codes must be unique");
static_assert(table.size() < 255, "index_by_numeric stores indexes in a byte");

constexpr std::uint16_t numeric_code_count = 1000;  // numeric codes are three digits
constexpr std::uint8_t no_index = 0xff;

constexpr bool numeric_codes_valid() {
  std::array<bool, numeric_code_count> seen{};
  for (const auto& entry : table) {
    if (entry.numeric == 0 || entry.numeric >= numeric_code_count) return false;
    if (seen[entry.numeric]) return false;
    seen[entry.numeric] = true;
  }
  return true;
}
static_assert(numeric_codes_valid(), "numeric codes must be unique and in 1..999");

// numeric code -> index into table, built at compile time.
constexpr std::array<std::uint8_t, numeric_code_count> index_by_numeric = [] {
  std::array<std::uint8_t, numeric_code_count> index{};
  index.fill(no_index);
  for (std::size_t i = 0; i < table.size(); ++i) {
    index[table[i].numeric] = static_cast<std::uint8_t>(i);
  }
  return index;
}();

}  // namespace

std::span<const currency> currencies() noexcept {
  return table;
}

std::optional<currency> find_currency(std::string_view alpha) noexcept {
  if (alpha.size() != 3) return std::nullopt;
  const currency key{{alpha[0], alpha[1], alpha[2]}, 0, 0};
  const auto* it = std::lower_bound(table.begin(), table.end(), key, alpha_less);
  if (it == table.end() || it->alpha != key.alpha) return std::nullopt;
  return *it;
}

std::optional<currency> find_currency(std::uint16_t numeric) noexcept {
  if (numeric >= numeric_code_count || index_by_numeric[numeric] == no_index) return std::nullopt;
  return table[index_by_numeric[numeric]];
}

}  // namespace sy::protocol
