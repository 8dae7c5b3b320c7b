// Configuration for the subcommands: the validation context, and FILE or the embedded default
// loaded with its diagnostics printed (config_context.h).
#include "gateway/cli/config_context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "clearing/business_date.h"
#include "config/embedded_default.h"
#include "protocol/card_brand.h"
#include "protocol/currency.h"

namespace sy::gateway::cli {
namespace {

// Development secrets for the embedded default only: an unset SY_DEV_* variable is taken from
// data/dev-secrets/NAME, created once with 32 random bytes (hex) and mode 0600. A file named
// with --config never gets this, so production secrets always come from the operator.
constexpr std::string_view dev_secret_prefix = "SY_DEV_";
constexpr const char* dev_secret_dir = "data/dev-secrets";
constexpr std::size_t dev_secret_bytes = 32;

std::optional<std::string> random_hex(std::size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes))) return std::nullopt;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    out += hex[u >> 4];
    out += hex[u & 0xf];
  }
  return out;
}

// Creates `path` with a fresh secret, readable by the owner only; false when it cannot. The
// secret is written to a private temporary file first and then linked into place, so a second
// process starting at the same moment sees either no file or the whole secret, never a part.
bool create_dev_secret(const std::string& path) {
  const auto value = random_hex(dev_secret_bytes);
  if (!value) return false;
  std::string temp = path + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) return false;
  const std::string line = *value + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  // link() fails with EEXIST when another start won the race: use theirs.
  const bool placed =
      written && closed && (::link(temp.c_str(), path.c_str()) == 0 || errno == EEXIST);
  ::unlink(temp.c_str());
  return placed;
}

std::optional<std::string> dev_env(std::string_view name) {
  if (auto value = config::validation_context::process_env(name)) return value;
  if (!name.starts_with(dev_secret_prefix)) return std::nullopt;
  std::error_code ec;
  std::filesystem::create_directories(dev_secret_dir, ec);
  ::chmod(dev_secret_dir, 0700);
  const std::string path = std::string(dev_secret_dir) + "/" + std::string(name);
  if (!std::filesystem::exists(path, ec) && !create_dev_secret(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string value;
  std::getline(in, value);
  if (value.empty()) return std::nullopt;
  std::fprintf(stderr, "warning: %.*s is not set; using the development secret in %s\n",
               static_cast<int>(name.size()), name.data(), path.c_str());
  return value;
}

}  // namespace

std::optional<std::string> development_secret(std::string_view name) {
  return dev_env(name);
}

config::validation_context validation_context() {
  config::validation_context context;
  // The zone must be one the business calendar can load, not merely a file under zoneinfo.
  context.known_time_zone = [](std::string_view zone) {
    return clearing::business_calendar::make({}, zone).has_value();
  };
  context.known_currency = [](std::string_view code) {
    return protocol::find_currency(code).has_value();
  };
  context.known_brand = [](std::string_view brand) {
    return protocol::card_brand_from_string(brand).has_value();
  };
  return context;
}

config::snapshot load_config(const std::string& file) {
  config::validation_context context = validation_context();
  config::load_outcome outcome;
  if (file.empty()) {
    context.env = dev_env;
    outcome =
        config::load_string(config::embedded_default(), config::embedded_default_name, context);
  } else {
    outcome = config::load_file(file, context);
  }
  for (const auto& d : outcome.diagnostics) {
    std::fprintf(stderr, "%s\n", config::to_string(d).c_str());
  }
  if (!outcome.ok()) {
    std::fprintf(stderr, "%zu configuration error(s)\n", config::error_count(outcome.diagnostics));
  }
  return outcome.config;
}

}  // namespace sy::gateway::cli
