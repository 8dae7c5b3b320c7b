// Test card numbers for the load driver: a prefix drawn uniformly from one of the configured BIN
// ranges, random digits up to the length, and the Luhn check digit, so every number passes the
// switch's validation and spreads over its per-card risk state as real traffic does.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sy::load {

// An inclusive range of equal-length prefixes, e.g. 411111..411199; "4" is the range 4..4.
struct bin_range {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::size_t digits = 0;  // the prefixes' length
};

// The prefix length a BIN range may have: 1 digit ("4") to 11, which leaves the shortest card
// (12 digits) a random digit and its check digit and keeps a prefix within 64 bits.
inline constexpr std::size_t bin_digits_max = 11;

// "LOW-HIGH" or "PREFIX" (digits, equal lengths, LOW <= HIGH); nullopt otherwise.
std::optional<bin_range> parse_bin_range(std::string_view text);

// The Luhn check digit ('0'..'9') that makes `payload` followed by it valid. Precondition: 1 to
// 18 digits (a card of at most 19).
char luhn_check_digit(std::string_view payload) noexcept;

class card_generator {
 public:
  // Preconditions: `ranges` not empty, each range's digits < `length`, `length` 12..19.
  card_generator(std::vector<bin_range> ranges, std::size_t length, std::uint64_t seed);

  // The next card number; valid until the next call.
  std::string_view next();

 private:
  std::vector<bin_range> ranges_;
  std::mt19937_64 random_;
  std::string number_;
};

}  // namespace sy::load
