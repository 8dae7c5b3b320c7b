// sy::fatal and the assertion handler: the two ways the process stops on purpose.
#include "config/fatal.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/assert.h"

namespace sy {
namespace {

// Escapes a string for a JSON string literal; the messages are ours, but may quote config values.
std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

[[noreturn]] void stop(exit_code reason, std::string_view message) noexcept {
  const std::string line =
      "{\"level\":\"fatal\",\"exit_code\":" + std::to_string(static_cast<int>(reason)) +
      ",\"message\":\"" + json_escape(message) + "\"}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  if (reason == exit_code::assertion) std::abort();  // keep the core for the post-mortem
  std::_Exit(static_cast<int>(reason));
}

}  // namespace

void fatal(exit_code reason, std::string_view message) noexcept {
  stop(reason, message);
}

namespace detail {
void assertion_failed(const char* expression, const char* file, int line) noexcept {
  stop(exit_code::assertion,
       std::string("assertion failed: ") + expression + " at " + file + ":" + std::to_string(line));
}
}  // namespace detail

}  // namespace sy
