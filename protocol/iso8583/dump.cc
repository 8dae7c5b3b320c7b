// Masked text and JSON dumps of ISO 8583 messages.
#include "protocol/iso8583/dump.h"

#include <boost/json/string.hpp>

#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/detail/encoding.h"
#include "protocol/pan.h"

namespace sy::protocol::iso8583 {
namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += detail::hex_digits[b >> 4];
    out += detail::hex_digits[b & 0xF];
  }
  return out;
}

// Track 1 and 2 start with an optional sentinel or format code (';', '%', 'B'), then the PAN;
// the PAN is masked as such and every other character becomes '*' (expiry, service code and
// discretionary data included).
std::string mask_track(std::string_view track) {
  std::size_t start = 0;
  while (start < track.size() && !detail::is_digit(static_cast<unsigned char>(track[start]))) {
    ++start;
  }
  std::size_t end = start;
  while (end < track.size() && detail::is_digit(static_cast<unsigned char>(track[end]))) ++end;
  std::string out(track.substr(0, start));
  out += mask_pan(track.substr(start, end - start));
  out.append(track.size() - end, '*');
  return out;
}

}  // namespace

std::string display_value(const message_spec& spec, const message& msg, std::size_t field) {
  const field_def& f = spec.fields[field];
  if (f.visibility == sensitivity::secret) return "[PIN block present]";
  std::string scratch(msg.length(field), '\0');
  const auto value = field_value(spec, msg, field, scratch);
  if (!value) return "[undecodable]";
  switch (f.visibility) {
    case sensitivity::pan:
      return mask_pan(*value);
    case sensitivity::track:
      if (f.kind == content::b) return "[masked, " + std::to_string(value->size()) + " bytes]";
      return mask_track(*value);
    case sensitivity::secret:
    case sensitivity::clear:
      break;
  }
  if (f.kind == content::b) return hex(*value);
  return std::string(*value);
}

std::string dump(const message_spec& spec, const message& msg) {
  std::string out = "MTI " + std::string(msg.mti()) + "\n";
  for (std::size_t field = 2; field <= field_count; ++field) {
    if (!msg.has(field)) continue;
    out += "DE " + std::to_string(field) + " " + spec.fields[field].name + ": " +
           display_value(spec, msg, field) + "\n";
  }
  return out;
}

boost::json::object to_json(const message_spec& spec, const message& msg) {
  boost::json::object fields;
  for (std::size_t field = 2; field <= field_count; ++field) {
    if (!msg.has(field)) continue;
    fields[std::to_string(field)] = display_value(spec, msg, field);
  }
  boost::json::object out;
  out["mti"] = msg.mti();
  out["fields"] = std::move(fields);
  return out;
}

}  // namespace sy::protocol::iso8583
