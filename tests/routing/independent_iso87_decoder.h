// A second ISO 8583:1987 decoder, for tests only: written from the field table of
// specs/bank-link.md and sharing no code with protocol/iso8583, so a builder and the production
// packager cannot agree on a mistake unnoticed.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sy::routing::test {

struct decoded_message {
  std::string mti;
  std::map<int, std::string> fields;  // DE number -> value (b elements as raw bytes)
};

// Decodes `bytes` (no length prefix) or says why not in `error` (empty on success): an unknown
// field, a bad length, a non-digit in an n element, a truncation, trailing bytes.
decoded_message decode_iso87(std::string_view bytes, std::string& error);

}  // namespace sy::routing::test
