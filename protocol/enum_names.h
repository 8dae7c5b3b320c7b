// Names of small enums whose values are 0..N-1, kept in one array per enum: the text an API,
// a file or a log shows for a value, and the value a name stands for.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace sy::protocol {

// The name of `value`; empty for a value outside the table (a corrupt or newer record).
template <class Enum, std::size_t N>
constexpr std::string_view name_of(const std::array<std::string_view, N>& names,
                                   Enum value) noexcept {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : std::string_view{};
}

// The value named `name`, or nullopt for a name not in the table.
template <class Enum, std::size_t N>
constexpr std::optional<Enum> find_name(const std::array<std::string_view, N>& names,
                                        std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace sy::protocol
