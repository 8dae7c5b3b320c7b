// Appends JSON tokens to a std::string: the deterministic, allocation-light writer behind every
// response body (bytes are stored and replayed, so the same value always gives the same bytes).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace sy::protocol::detail {

// `text` as a JSON string with quotes. Escapes '"', '\\' and control characters; other bytes,
// UTF-8 included, pass through (every string we write came from validated UTF-8 or from us).
inline void append_json_string(std::string& out, std::string_view text) {
  constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied; they need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    if (byte >= 0x20) {
      out += '\\';
      out += static_cast<char>(byte);
    } else {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

inline void append_json_int(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

// {"k":"v",...} from a sequence of string pairs (metadata), in the sequence's order.
template <class Pairs>
void append_json_string_map(std::string& out, const Pairs& pairs) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : pairs) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, key);
    out += ':';
    append_json_string(out, value);
  }
  out += '}';
}

}  // namespace sy::protocol::detail
