// BIN ranges, Luhn check digits and random card numbers (card_generator.h).
#include "bench/load/card_generator.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "config/limits.h"
#include "protocol/pan.h"

namespace sy::load {
namespace {

std::optional<std::uint64_t> digits_value(std::string_view text) {
  if (text.empty() || text.size() > bin_digits_max) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<bin_range> parse_bin_range(std::string_view text) {
  const auto dash = text.find('-');
  const std::string_view low = text.substr(0, dash);
  const std::string_view high = dash == std::string_view::npos ? low : text.substr(dash + 1);
  const auto l = digits_value(low);
  const auto h = digits_value(high);
  if (!l || !h || low.size() != high.size() || *l > *h) return std::nullopt;
  return bin_range{*l, *h, low.size()};
}

char luhn_check_digit(std::string_view payload) noexcept {
  // One of the ten digits completes a valid number; the switch's own check says which.
  std::array<char, limits::pan_digits_max> number{};
  std::copy(payload.begin(), payload.end(), number.begin());
  for (char d = '0'; d < '9'; ++d) {
    number[payload.size()] = d;
    if (protocol::luhn_valid(std::string_view(number.data(), payload.size() + 1))) return d;
  }
  return '9';
}

card_generator::card_generator(std::vector<bin_range> ranges, std::size_t length,
                               std::uint64_t seed)
    : ranges_(std::move(ranges)), random_(seed), number_(length, '0') {}

std::string_view card_generator::next() {
  const auto& range = ranges_[random_() % ranges_.size()];
  std::uint64_t prefix = range.low + random_() % (range.high - range.low + 1);
  for (std::size_t i = range.digits; i-- > 0; prefix /= 10) {
    number_[i] = static_cast<char>('0' + prefix % 10);
  }
  const std::size_t check = number_.size() - 1;
  for (std::size_t i = range.digits; i < check; ++i) {
    number_[i] = static_cast<char>('0' + random_() % 10);
  }
  number_[check] = luhn_check_digit(std::string_view(number_).substr(0, check));
  return number_;
}

}  // namespace sy::load
