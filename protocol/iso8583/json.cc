// The JSON form of an ISO 8583 message, read into a message ready for pack.
#include "protocol/iso8583/json.h"

#include <boost/json/object.hpp>
#include <charconv>

#include "protocol/iso8583/detail/encoding.h"

namespace sy::protocol::iso8583 {
namespace {

codec_error bad_json(std::uint8_t field, const char* expected) {
  return codec_error(errc::bad_json, field, 0, expected);
}

result<std::size_t, codec_error> field_number(std::string_view key) {
  std::size_t number = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), number);
  if (ec != std::errc{} || end != key.data() + key.size() || number < 2 || number > field_count) {
    return bad_json(no_field, "field numbers 2-128 as keys of \"fields\"").found_text(key);
  }
  return number;
}

// Appends the bytes of `text` (hex, even length) to `storage`.
result<void, codec_error> append_hex(std::size_t field, std::string_view text,
                                     std::string& storage) {
  const auto number = static_cast<std::uint8_t>(field);
  if (text.size() % 2 != 0) {
    return codec_error(errc::bad_hex, number, 0, "an even number of hex digits")
        .found_length(text.size());
  }
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = detail::hex_value(static_cast<unsigned char>(text[i]));
    const int lo = detail::hex_value(static_cast<unsigned char>(text[i + 1]));
    if (hi < 0 || lo < 0) {
      const std::size_t bad = hi < 0 ? i : i + 1;
      return codec_error(errc::bad_hex, number, bad, "hex digits for a b element")
          .found_byte(static_cast<unsigned char>(text[bad]));
    }
    storage += static_cast<char>(hi << 4 | lo);
  }
  return {};
}

}  // namespace

result<void, codec_error> from_json(const message_spec& spec, const boost::json::value& json,
                                    message& out, std::string& storage) {
  out.clear();
  storage.clear();
  const boost::json::object* root = json.if_object();
  if (root == nullptr) return bad_json(no_field, "a JSON object with \"mti\" and \"fields\"");
  for (const auto& [key, value] : *root) {
    if (key != "mti" && key != "fields") {
      return bad_json(no_field, "only the keys \"mti\" and \"fields\"").found_text(key);
    }
  }
  const boost::json::value* mti = root->if_contains("mti");
  if (mti == nullptr || !mti->is_string() || mti->get_string().size() != 4) {
    return bad_json(0, "\"mti\" as a string of 4 digits");
  }
  out.set_mti(mti->get_string());
  const boost::json::value* fields_value = root->if_contains("fields");
  if (fields_value == nullptr || !fields_value->is_object()) {
    return bad_json(no_field, "\"fields\" as an object");
  }
  const boost::json::object& fields = fields_value->get_object();
  // Reserved up front so appending never moves the bytes earlier views point to.
  std::size_t binary_size = 0;
  for (const auto& [key, value] : fields) {
    if (value.is_string()) binary_size += value.get_string().size() / 2;
  }
  storage.reserve(binary_size);
  for (const auto& [key, value] : fields) {
    const auto number = field_number(key);
    if (!number) return number.error();
    const auto field = static_cast<std::uint8_t>(*number);
    if (!value.is_string()) return bad_json(field, "a string value");
    const field_def& f = spec.fields[*number];
    if (f.length == length_type::unused) {
      return codec_error(errc::undefined_field, field, 0, "a field the spec defines");
    }
    const std::string_view text = value.get_string();
    if (f.kind != content::b) {
      out.set(*number, text);
      continue;
    }
    const std::size_t start = storage.size();
    if (auto decoded = append_hex(*number, text, storage); !decoded) return decoded;
    out.set(*number, std::string_view(storage).substr(start));
  }
  return {};
}

}  // namespace sy::protocol::iso8583
