// `switchyard iso8583 decode|encode`: the operators' ISO 8583 tools. decode reads a message (hex
// or raw, optionally length-prefixed) and prints masked JSON; encode reads JSON and prints hex.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "config/limits.h"
#include "gateway/cli/commands.h"
#include "protocol/iso8583/codec.h"
#include "protocol/iso8583/dump.h"
#include "protocol/iso8583/framing.h"
#include "protocol/iso8583/json.h"
#include "protocol/iso8583/specs.h"

namespace sy::gateway::cli {
namespace {

namespace iso = protocol::iso8583;

struct iso8583_options {
  std::string spec = "iso87";
  std::string framing = "none";
  bool raw = false;
};

// Reads stdin up to the tool's input cap; false (and a message) when it is larger.
bool read_input(std::istream& in, std::string& out, std::ostream& err) {
  std::vector<char> chunk(4096);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    out.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (out.size() > limits::iso8583_tool_input_size_max) {
      err << "error: input larger than " << limits::iso8583_tool_input_size_max << " bytes\n";
      return false;
    }
  }
  return true;
}

// Hex text to bytes, whitespace ignored; false (and a message) on a non-hex character or an odd
// number of digits.
bool parse_hex(std::string_view text, std::string& out, std::ostream& err) {
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) {
      err << "error: input is not hex: character " << i << " is not a hex digit "
          << "(use --raw for binary input)\n";
      return false;
    }
    if (high < 0) {
      high = v;
    } else {
      out += static_cast<char>(high << 4 | v);
      high = -1;
    }
  }
  if (high >= 0) {
    err << "error: input has an odd number of hex digits\n";
    return false;
  }
  return true;
}

exit_code run_decode(const iso8583_options& options, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  const iso::message_spec& spec = *iso::find_spec(options.spec);
  iso::framing framing{};
  iso::parse_framing(options.framing, framing);
  std::string text;
  if (!read_input(in, text, err)) return exit_code::failure;
  std::string bytes;
  if (options.raw) {
    bytes = std::move(text);
  } else if (!parse_hex(text, bytes, err)) {
    return exit_code::failure;
  }
  const auto frame = iso::decode_frame(framing, bytes, limits::iso8583_frame_size_max);
  if (!frame) {
    err << "error: framing: " << frame.error().message() << "\n";
    return exit_code::failure;
  }
  if (!frame->complete) {
    err << "error: framing: input ends inside the frame, " << frame->bytes_needed
        << " more bytes expected\n";
    return exit_code::failure;
  }
  const std::size_t end = frame->payload_offset + frame->payload_size;
  if (end != bytes.size()) {
    err << "error: framing: " << bytes.size() - end << " bytes after the frame\n";
    return exit_code::failure;
  }
  iso::message msg;
  const std::string_view payload =
      std::string_view(bytes).substr(frame->payload_offset, frame->payload_size);
  if (auto unpacked = iso::unpack(spec, payload, msg); !unpacked) {
    err << "error: " << unpacked.error().message() << " (offset within the message)\n";
    return exit_code::failure;
  }
  out << boost::json::serialize(iso::to_json(spec, msg)) << "\n";
  return exit_code::ok;
}

exit_code run_encode(const iso8583_options& options, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  const iso::message_spec& spec = *iso::find_spec(options.spec);
  iso::framing framing{};
  iso::parse_framing(options.framing, framing);
  std::string text;
  if (!read_input(in, text, err)) return exit_code::failure;
  boost::system::error_code ec;
  const boost::json::value json = boost::json::parse(text, ec);
  if (ec) {
    err << "error: input is not JSON: " << ec.message() << "\n";
    return exit_code::failure;
  }
  iso::message msg;
  std::string storage;
  if (auto read = iso::from_json(spec, json, msg, storage); !read) {
    err << "error: " << read.error().message() << "\n";
    return exit_code::failure;
  }
  const std::size_t header = iso::prefix_size(framing);
  std::vector<char> buffer(header + limits::iso8583_frame_size_max);
  const auto packed = iso::pack(spec, msg, std::span(buffer).subspan(header));
  if (!packed) {
    err << "error: " << packed.error().message() << "\n";
    return exit_code::failure;
  }
  const auto prefix =
      iso::encode_frame_prefix(framing, *packed, limits::iso8583_frame_size_max, buffer);
  if (!prefix) {
    err << "error: framing: " << prefix.error().message() << "\n";
    return exit_code::failure;
  }
  constexpr char digits[] = "0123456789ABCDEF";
  std::string hex;
  for (std::size_t i = 0; i < header + *packed; ++i) {
    const auto b = static_cast<unsigned char>(buffer[i]);
    hex += digits[b >> 4];
    hex += digits[b & 0xF];
  }
  out << hex << "\n";
  return exit_code::ok;
}

void add_options(CLI::App& command, iso8583_options& options) {
  command.add_option("--spec", options.spec, "message spec")
      ->check(CLI::IsMember({"iso87", "iso93"}))
      ->capture_default_str();
  command.add_option("--framing", options.framing, "length prefix")
      ->check(CLI::IsMember({"none", "binary2", "ascii4"}))
      ->capture_default_str();
}

}  // namespace

void add_iso8583_commands(CLI::App& app, exit_code& status) {
  CLI::App* iso8583 = app.add_subcommand("iso8583", "ISO 8583 tools: decode and encode messages");
  iso8583->require_subcommand(1);
  auto options = std::make_shared<iso8583_options>();

  CLI::App* decode = iso8583->add_subcommand(
      "decode",
      "read a message from stdin (hex, or raw with --raw) and print it as JSON, PAN masked");
  add_options(*decode, *options);
  decode->add_flag("--raw", options->raw, "stdin holds raw bytes instead of hex");
  decode->callback(
      [options, &status] { status = run_decode(*options, std::cin, std::cout, std::cerr); });

  CLI::App* encode = iso8583->add_subcommand(
      "encode", "read a message as JSON from stdin (b elements as hex) and print it as hex");
  add_options(*encode, *options);
  encode->callback(
      [options, &status] { status = run_encode(*options, std::cin, std::cout, std::cerr); });
}

}  // namespace sy::gateway::cli
