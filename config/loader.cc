// Loading and validation of the configuration: toml++ parses, a table_reader per TOML table
// checks types, bounds and unknown keys, and the section readers check syntax and
// cross-references. toml++ is used in this file only.
#include "config/loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <utility>

#include "config/detail/reader.h"
#include "config/detail/syntax.h"
#include "config/limits.h"
#include "config/redact.h"

namespace sy::config {
namespace {

using detail::quote;

std::string type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// What was found, for a type error: `"80" is a string`, or `found a table`. Secrets are never
// echoed (`redact`), whatever their type.
std::string found(const toml::node& node, bool redact = false) {
  if (redact) return "found " + type_name(node.type());
  if (const auto* s = node.as_string()) return quote(s->get()) + " is a string";
  if (const auto* i = node.as_integer()) {
    return mask_digit_runs(std::to_string(i->get())) + " is an integer";
  }
  if (const auto* b = node.as_boolean())
    return (b->get() ? "true" : "false") + std::string(" is a boolean");
  return "found " + type_name(node.type());
}

// Diagnostics of one load, positioned by toml++ source regions.
class positioned_sink : public detail::sink {
 public:
  using detail::sink::sink;
  void at(severity level, const toml::source_region& where, std::string path, std::string message) {
    add(level, where.begin.line, where.begin.column, std::move(path), std::move(message));
  }
  void error(const toml::node& node, std::string path, std::string message) {
    at(severity::error, node.source(), std::move(path), std::move(message));
  }
  void warning(const toml::node& node, std::string path, std::string message) {
    at(severity::warning, node.source(), std::move(path), std::move(message));
  }
};

// One TOML table at a key path. Remembers every key the loader asked for, so that finish() can
// report each other key as unknown: a typo never passes silently.
class table_reader {
 public:
  table_reader(const toml::table& table, std::string path, positioned_sink& out)
      : table_(table), path_(std::move(path)), out_(out) {}

  const toml::table& table() const noexcept { return table_; }
  const std::string& path() const noexcept { return path_; }
  positioned_sink& out() noexcept { return out_; }
  std::string path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The node at `key`, marked known; null when absent, which is an error when `required`.
  const toml::node* get(std::string_view key, bool required) {
    known_.emplace(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr && required) {
      out_.error(table_, path_of(key), "is required but missing");
    }
    return node;
  }
  bool has(std::string_view key) const { return table_.contains(key); }
  // Marks keys as known without reading them (their section is invalid for another reason).
  void skip(std::span<const std::string_view> keys) {
    for (const auto key : keys) known_.emplace(key);
  }
  void skip(std::initializer_list<std::string_view> keys) { skip({keys.begin(), keys.size()}); }
  // Each present key of `keys` is an error saying why it does not belong here.
  void forbid(std::initializer_list<std::string_view> keys, const std::string& why) {
    forbid(std::span<const std::string_view>{keys.begin(), keys.size()}, why);
  }
  void forbid(std::span<const std::string_view> keys, const std::string& why) {
    for (const auto key : keys) {
      known_.emplace(key);
      if (const auto* node = table_.get(key)) out_.error(*node, path_of(key), why);
    }
  }
  void error_at(std::string_view key, std::string message) {
    const toml::node* node = table_.get(key);
    out_.error(node != nullptr ? *node : static_cast<const toml::node&>(table_), path_of(key),
               std::move(message));
  }

  std::optional<std::string> text(std::string_view key, bool required, std::size_t size_max) {
    const toml::node* node = get(key, required);
    if (node == nullptr) return std::nullopt;
    const auto* s = node->as_string();
    if (s == nullptr) {
      out_.error(*node, path_of(key), found(*node) + ", expected a string");
      return std::nullopt;
    }
    if (s->get().empty()) {
      out_.error(*node, path_of(key),
                 "is empty, expected 1 to " + std::to_string(size_max) + " characters");
      return std::nullopt;
    }
    if (s->get().size() > size_max) {
      out_.error(*node, path_of(key),
                 quote(s->get()) + " is longer than the maximum " + std::to_string(size_max) +
                     " characters");
      return std::nullopt;
    }
    return s->get();
  }

  // A string that must satisfy `valid`; `expected` says what valid means.
  std::optional<std::string> text_matching(std::string_view key, bool required,
                                           std::size_t size_max, bool (*valid)(std::string_view),
                                           std::string_view expected) {
    auto value = text(key, required, size_max);
    if (value && !valid(*value)) {
      error_at(key, quote(*value) + " is not " + std::string(expected));
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::int64_t> integer(std::string_view key, bool required, std::int64_t min,
                                      std::int64_t max) {
    const toml::node* node = get(key, required);
    if (node == nullptr) return std::nullopt;
    const auto* i = node->as_integer();
    if (i == nullptr) {
      out_.error(*node, path_of(key), found(*node) + ", expected an integer");
      return std::nullopt;
    }
    const std::int64_t value = i->get();
    const std::string shown = mask_digit_runs(std::to_string(value));
    if (value < min) {
      out_.error(*node, path_of(key), shown + " is below the minimum " + std::to_string(min));
      return std::nullopt;
    }
    if (value > max) {
      out_.error(*node, path_of(key), shown + " is above the maximum " + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* node = get(key, false);
    if (node == nullptr) return std::nullopt;
    if (const auto* b = node->as_boolean()) return b->get();
    out_.error(*node, path_of(key), found(*node) + ", expected true or false");
    return std::nullopt;
  }

  const toml::table* sub_table(std::string_view key, bool required) {
    const toml::node* node = get(key, required);
    if (node == nullptr) return nullptr;
    if (const auto* t = node->as_table()) return t;
    out_.error(*node, path_of(key), found(*node) + ", expected a table");
    return nullptr;
  }

  const toml::array* array(std::string_view key, bool required, std::size_t count_max) {
    const toml::node* node = get(key, required);
    if (node == nullptr) return nullptr;
    const auto* a = node->as_array();
    if (a == nullptr) {
      out_.error(*node, path_of(key), found(*node) + ", expected an array");
      return nullptr;
    }
    if (a->size() > count_max) {
      out_.error(*node, path_of(key),
                 "has " + std::to_string(a->size()) + " entries, above the maximum " +
                     std::to_string(count_max));
      return nullptr;
    }
    return a;
  }

  // One of a fixed set of words, e.g. `kind = "iso8583"`.
  template <class E>
  std::optional<E> choice(std::string_view key, bool required,
                          std::initializer_list<std::pair<std::string_view, E>> words) {
    auto value = text(key, required, limits::config_id_size_max);
    if (!value) return std::nullopt;
    for (const auto& [word, e] : words) {
      if (word == *value) return e;
    }
    error_at(key, quote(*value) + " is not " + one_of(words));
    return std::nullopt;
  }

  // Reports every key nobody asked for.
  void finish() {
    for (auto&& [key, node] : table_) {
      if (known_.contains(key.str())) continue;
      std::string expected;
      for (const auto& k : known_) expected += (expected.empty() ? "" : ", ") + k;
      out_.at(severity::error, key.source(), path_of(detail::key_segment(key.str())),
              "unknown key" + (expected.empty() ? std::string(" (this table takes none)")
                                                : "; expected one of: " + expected));
    }
  }

 private:
  template <class E>
  static std::string one_of(std::initializer_list<std::pair<std::string_view, E>> words) {
    std::string out = "one of";
    for (const auto& w : words) out += " \"" + std::string(w.first) + "\"";
    return out;
  }

  const toml::table& table_;
  std::string path_;
  positioned_sink& out_;
  std::set<std::string, std::less<>> known_;
};

// A string element of an array, with its node and key path.
struct element {
  std::string value;
  const toml::node* node;
  std::string path;
};

// The strings of array `key`, each 1..size_max characters; others are reported and dropped.
std::vector<element> strings(table_reader& r, std::string_view key, bool required,
                             std::size_t count_max, std::size_t size_max) {
  std::vector<element> out;
  const toml::array* a = r.array(key, required, count_max);
  if (a == nullptr) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& node = *a->get(i);
    std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    const auto* s = node.as_string();
    if (s == nullptr) {
      r.out().error(node, path, found(node) + ", expected a string");
    } else if (s->get().empty() || s->get().size() > size_max) {
      r.out().error(node, path,
                    quote(s->get()) + " is not 1 to " + std::to_string(size_max) + " characters");
    } else {
      out.push_back({s->get(), &node, std::move(path)});
    }
  }
  return out;
}

// Calls fn(reader, index) for each table of array `key` (`[[key]]`), then checks its keys.
template <class Fn>
void for_each_table(table_reader& r, std::string_view key, std::size_t count_max, Fn fn) {
  const toml::array* a = r.array(key, false, count_max);
  if (a == nullptr) return;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& node = *a->get(i);
    std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    const auto* t = node.as_table();
    if (t == nullptr) {
      r.out().error(node, path, found(node) + ", expected a table");
      continue;
    }
    table_reader element_reader(*t, std::move(path), r.out());
    fn(element_reader, i);
    element_reader.finish();
  }
}

// Calls fn(reader) for sub-table `key` when present, then checks its keys.
template <class Fn>
void with_table(table_reader& r, std::string_view key, bool required, Fn fn) {
  if (const toml::table* t = r.sub_table(key, required)) {
    table_reader sub(*t, r.path_of(key), r.out());
    fn(sub);
    sub.finish();
  }
}

// Where each id was first defined, to report duplicates and resolve references.
using id_index = std::map<std::string, std::string, std::less<>>;

void check_unique(table_reader& r, std::string_view key, const std::string& id, id_index& seen,
                  const std::string& owner) {
  const auto [it, inserted] = seen.emplace(id, owner);
  if (!inserted) r.error_at(key, quote(id) + " is already used by " + it->second);
}

class loader {
 public:
  loader(const validation_context& context, positioned_sink& out) : context_(context), out_(out) {}

  std::shared_ptr<config> run(const toml::table& root) {
    auto result = std::make_shared<config>();
    result->source_name = out_.file();
    config_ = result.get();
    table_reader r(root, "", out_);
    with_table(r, "listeners", false, [&](table_reader& t) { read_listeners(t); });
    with_table(r, "tls", true, [&](table_reader& t) { read_tls(t); });
    with_table(r, "storage", false, [&](table_reader& t) { read_storage(t); });
    with_table(r, "workers", false, [&](table_reader& t) {
      if (auto v = t.integer("count", false, 0, limits::worker_count_max)) {
        config_->workers.count = *v;
      }
    });
    for_each_table(r, "channels", limits::config_channel_count_max,
                   [&](table_reader& t, std::size_t) { read_channel(t); });
    for_each_table(r, "merchants", limits::config_merchant_count_max,
                   [&](table_reader& t, std::size_t) { read_merchant(t); });
    for_each_table(r, "routes", limits::config_route_count_max,
                   [&](table_reader& t, std::size_t) { read_route(t); });
    with_table(r, "clearing", false, [&](table_reader& t) { read_clearing(t); });
    with_table(r, "hsm", true, [&](table_reader& t) { read_hsm(t); });
    r.finish();
    return result;
  }

 private:
  // ---- listeners, tls, storage ---------------------------------------------------------------
  void read_listener(table_reader& r, listener& out) {
    if (auto v = r.text_matching("address", false, limits::config_host_size_max, detail::is_host,
                                 "a host name or IP address")) {
      out.address = *v;
    }
    if (auto v = r.integer("port", false, 0, 65535)) out.port = static_cast<std::uint16_t>(*v);
  }

  void read_listeners(table_reader& r) {
    auto& l = config_->listen;
    with_table(r, "merchant_api", false, [&](table_reader& t) {
      read_listener(t, l.merchant_api);
      if (auto v = t.integer("connection_count_max", false, 1, limits::http_connection_count_max)) {
        l.connection_count_max = *v;
      }
      if (auto v = t.integer("inflight_count_max", false, 1, limits::http_inflight_count_max)) {
        l.inflight_count_max = *v;
      }
    });
    with_table(r, "admin", false, [&](table_reader& t) {
      read_listener(t, l.admin);
      if (l.admin.port != 0 && l.admin.port == l.merchant_api.port &&
          l.admin.address == l.merchant_api.address) {
        t.error_at("port",
                   std::to_string(l.admin.port) + " is already the port of listeners.merchant_api");
      }
    });
  }

  void read_tls(table_reader& r) {
    auto& tls = config_->tls;
    if (auto v = r.text("certificate_path", true, limits::config_path_size_max)) {
      tls.certificate_path = *v;
    }
    if (auto v = r.text("key_path", true, limits::config_path_size_max)) tls.key_path = *v;
    if (auto v = r.text("client_ca_path", false, limits::config_path_size_max)) {
      tls.client_ca_path = *v;
    }
    if (auto v = r.choice<tls_version>(
            "min_version", false, {{"1.2", tls_version::tls1_2}, {"1.3", tls_version::tls1_3}})) {
      tls.min_version = *v;
    }
  }

  void read_storage(table_reader& r) {
    auto& s = config_->storage;
    if (auto v = r.text("path", false, limits::config_path_size_max)) s.path = *v;
    const auto size =
        r.integer("map_size_bytes", false, limits::store_map_size_min, limits::store_map_size_max);
    if (size) s.map_size_bytes = *size;
    if (auto v = r.boolean("map_growth")) s.map_growth = *v;
    const auto size_max = r.integer("map_size_max_bytes", false, limits::store_map_size_min,
                                    limits::store_map_size_max);
    if (size_max) s.map_size_max_bytes = *size_max;
    // Against the effective map_size_bytes, its default too (the map never shrinks); not against
    // an invalid one, already reported.
    if (size_max && (size || !r.has("map_size_bytes")) && *size_max < s.map_size_bytes) {
      r.error_at("map_size_max_bytes",
                 mask_digit_runs(std::to_string(*size_max) + " is below map_size_bytes " +
                                 std::to_string(s.map_size_bytes)));
    }
    if (auto v = r.integer("idempotency_retention_h", false, limits::idempotency_retention_h_min,
                           limits::idempotency_retention_h_max)) {
      s.idempotency_retention_h = *v;
    }
    if (auto v = r.integer("nonce_window_s", false, limits::nonce_window_s_min,
                           limits::nonce_window_s_max)) {
      s.nonce_window_s = *v;
    }
  }

  // ---- secrets ------------------------------------------------------------------------------
  // `env:NAME`, `file:PATH` or (with a warning) an inline value, at least size_min bytes.
  std::optional<secret> read_secret(table_reader& r, std::string_view key, std::size_t size_min,
                                    std::size_t size_max) {
    const toml::node* node = r.get(key, true);
    if (node == nullptr) return std::nullopt;
    const std::string path = r.path_of(key);
    const auto* s = node->as_string();
    if (s == nullptr) {
      out_.error(*node, path,
                 found(*node, true) + R"(, expected "env:NAME", "file:PATH" or a value)");
      return std::nullopt;
    }
    std::optional<secret> result = resolve_secret(*node, path, s->get(), size_max);
    if (result && result->value().size() < size_min) {
      out_.error(*node, path,
                 "the secret from " + std::string(result->reference()) +
                     " is shorter than the minimum " + std::to_string(size_min) + " bytes");
      return std::nullopt;
    }
    return result;
  }

  std::optional<secret> resolve_secret(const toml::node& node, const std::string& path,
                                       std::string_view text, std::size_t size_max) {
    if (text.starts_with("env:")) {
      const std::string_view name = text.substr(4);
      if (!detail::is_env_name(name)) {
        out_.error(node, path, quote(text) + " does not name an environment variable");
        return std::nullopt;
      }
      const std::string reference = "env:" + std::string(name);
      auto value = context_.env ? context_.env(name) : std::nullopt;
      if (!value || value->empty()) {
        out_.error(
            node, path,
            "environment variable " + std::string(name) + (value ? " is empty" : " is not set"));
        return std::nullopt;
      }
      if (value->size() > size_max) {
        out_.error(
            node, path,
            reference + " is longer than the maximum " + std::to_string(size_max) + " bytes");
        return std::nullopt;
      }
      return secret(secret::source::env, reference, std::move(*value));
    }
    if (text.starts_with("file:")) return read_secret_file(node, path, text.substr(5));
    if (text.size() > size_max) {
      out_.error(
          node, path,
          "the inline secret is longer than the maximum " + std::to_string(size_max) + " bytes");
      return std::nullopt;
    }
    out_.warning(node, path, R"(inline secret; use "env:NAME" or "file:PATH" outside development)");
    return secret(secret::source::inline_value, "<inline>", std::string(text));
  }

  std::optional<secret> read_secret_file(const toml::node& node, const std::string& path,
                                         std::string_view file) {
    if (file.empty() || file.size() > limits::config_path_size_max) {
      out_.error(node, path,
                 "\"file:\" needs a path of 1 to " + std::to_string(limits::config_path_size_max) +
                     " characters");
      return std::nullopt;
    }
    const std::string reference = "file:" + mask_digit_runs(file);
    std::error_code ec;
    // A FIFO or device would block or never end: only regular files hold secrets.
    if (!std::filesystem::is_regular_file(std::filesystem::path(file), ec)) {
      out_.error(node, path, reference + " is not a readable regular file");
      return std::nullopt;
    }
    std::ifstream in{std::string(file), std::ios::binary};
    std::string value(limits::secret_file_size_max + 1, '\0');
    in.read(value.data(), static_cast<std::streamsize>(value.size()));
    value.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad() || (!in && !in.eof())) {
      out_.error(node, path, reference + " cannot be read");
      return std::nullopt;
    }
    if (value.size() > limits::secret_file_size_max) {
      out_.error(node, path,
                 reference + " is larger than the maximum " +
                     std::to_string(limits::secret_file_size_max) + " bytes");
      return std::nullopt;
    }
    // Files written by `echo` or an editor end in a newline that is not part of the secret.
    if (value.ends_with('\n')) value.pop_back();
    if (value.ends_with('\r')) value.pop_back();
    if (value.empty()) {
      out_.error(node, path, reference + " is empty");
      return std::nullopt;
    }
    return secret(secret::source::file, reference, std::move(value));
  }

  // ---- currencies, brands, amounts, BINs -----------------------------------------------------
  bool check_currency(const toml::node& node, const std::string& path, std::string_view code) {
    if (!detail::is_currency_code(code)) {
      out_.error(node, path, quote(code) + " is not an ISO 4217 alphabetic code ([A-Z]{3})");
      return false;
    }
    if (context_.known_currency && !context_.known_currency(code)) {
      out_.error(node, path, quote(code) + " is not a currency the switch knows");
      return false;
    }
    return true;
  }

  bool check_brand(const toml::node& node, const std::string& path, std::string_view brand) {
    if (!detail::is_brand_word(brand)) {
      out_.error(node, path, quote(brand) + " is not a card brand (a lowercase word)");
      return false;
    }
    if (context_.known_brand && !context_.known_brand(brand)) {
      out_.error(node, path, quote(brand) + " is not a card brand the switch knows");
      return false;
    }
    return true;
  }

  // `{ CNY = 100000, USD = 20000 }`: a positive amount per currency.
  std::vector<currency_amount> currency_amounts(table_reader& r, std::string_view key) {
    std::vector<currency_amount> out;
    const toml::table* t = r.sub_table(key, false);
    if (t == nullptr) return out;
    for (auto&& [code, node] : *t) {
      const std::string path = r.path_of(key) + "." + detail::key_segment(code.str());
      if (!check_currency(node, path, code.str())) continue;
      const auto* i = node.as_integer();
      if (i == nullptr) {
        out_.error(node, path, found(node) + ", expected an amount in minor units");
      } else if (i->get() < 1 || i->get() > limits::amount_minor_max) {
        out_.error(node, path,
                   mask_digit_runs(std::to_string(i->get())) + " is outside 1 to " +
                       std::to_string(limits::amount_minor_max));
      } else {
        out.push_back({std::string(code.str()), i->get()});
      }
    }
    return out;
  }

  std::vector<bin_range> bin_ranges(table_reader& r, std::string_view key) {
    std::vector<bin_range> out;
    for (auto& e :
         strings(r, key, false, limits::config_list_size_max, 2 * limits::pan_digits_max)) {
      if (auto range = detail::parse_bin_range(e.value)) {
        out.push_back(std::move(*range));
      } else {
        out_.error(*e.node, e.path,
                   quote(e.value) + " is not a BIN prefix or range of up to " +
                       std::to_string(limits::route_bin_digits_max) +
                       " digits (\"4\", \"510000-559999\")");
      }
    }
    return out;
  }

  // ---- channels ------------------------------------------------------------------------------
  void read_channel(table_reader& r) {
    channel c;
    if (auto v = r.text_matching("id", true, limits::config_id_size_max, detail::is_id,
                                 "an id ([A-Za-z0-9_-])")) {
      c.id = *v;
      check_unique(r, "id", c.id, channel_ids_, r.path());
    }
    const auto kind = r.choice<channel_kind>(
        "kind", true, {{"iso8583", channel_kind::iso8583}, {"http", channel_kind::http}});
    read_channel_common(r, c);
    if (!kind) {
      r.skip(iso8583_keys);
      r.skip(http_keys);
    } else if (*kind == channel_kind::iso8583) {
      r.forbid(http_keys, "only http channels take this key");
      read_iso8583_channel(r, c);
    } else {
      r.forbid(iso8583_keys, "only iso8583 channels take this key");
      read_http_channel(r, c);
    }
    if (kind) c.kind = *kind;
    config_->channels.push_back(std::move(c));
  }

  static constexpr std::array<std::string_view, 12> iso8583_keys{"endpoints",
                                                                 "framing",
                                                                 "frame_size_max",
                                                                 "echo_interval_ms",
                                                                 "reversal_retry_base_ms",
                                                                 "reversal_retry_max_ms",
                                                                 "spec",
                                                                 "mac_key",
                                                                 "acquirer_id",
                                                                 "terminal_id",
                                                                 "card_acceptor_id",
                                                                 "card_acceptor_name"};
  static constexpr std::array<std::string_view, 2> http_keys{"base_url", "signing_key"};

  void read_channel_common(table_reader& r, channel& c) {
    with_table(r, "tls", false, [&](table_reader& t) { read_channel_tls(t, c.tls); });
    if (auto v = r.integer("connect_timeout_ms", false, 1, limits::connect_timeout_ms_max)) {
      c.connect_timeout_ms = *v;
    }
    if (auto v = r.integer("request_timeout_ms", false, 1, limits::request_timeout_ms_max)) {
      c.request_timeout_ms = *v;
    }
    if (auto v = r.integer("connection_count", false, 1, limits::channel_connection_count_max)) {
      c.connection_count = *v;
    }
    if (auto v = r.integer("inflight_max", false, 1, limits::channel_inflight_max)) {
      c.inflight_max = *v;
    }
    read_settlement_columns(r, c);
  }

  void read_channel_tls(table_reader& r, channel_tls& tls) {
    if (auto v = r.boolean("enabled")) tls.enabled = *v;
    const auto path = [&](std::string_view key, std::string& out) {
      if (auto v = r.text(key, false, limits::config_path_size_max)) out = *v;
    };
    path("ca_path", tls.ca_path);
    path("certificate_path", tls.certificate_path);
    path("key_path", tls.key_path);
    if (auto v = r.text_matching("server_name", false, limits::config_host_size_max,
                                 detail::is_host, "a host name")) {
      tls.server_name = *v;
    }
    if (tls.certificate_path.empty() != tls.key_path.empty()) {
      r.error_at(tls.key_path.empty() ? "certificate_path" : "key_path",
                 "mutual TLS needs both certificate_path and key_path");
    }
    if (!tls.enabled && (!tls.certificate_path.empty() || !tls.ca_path.empty())) {
      r.error_at("enabled", "TLS files are set but enabled is not true");
    }
  }

  void read_settlement_columns(table_reader& r, channel& c) {
    static const std::set<std::string, std::less<>> known{
        "rrn", "stan", "event_type", "amount", "currency", "authorization_code", "business_date"};
    if (!r.has("settlement_columns")) {
      r.skip({"settlement_columns"});
      return;
    }
    std::vector<std::string> columns;
    std::set<std::string, std::less<>> seen;
    for (auto& e : strings(r, "settlement_columns", false, limits::settlement_column_count_max,
                           limits::config_id_size_max)) {
      if (e.value != "-" && !known.contains(e.value)) {
        out_.error(*e.node, e.path,
                   quote(e.value) +
                       " is not a settlement column (rrn, stan, "
                       "event_type, amount, currency, authorization_code, "
                       "business_date, or \"-\" to skip a column)");
      } else if (e.value != "-" && !seen.insert(e.value).second) {
        out_.error(*e.node, e.path, quote(e.value) + " appears twice");
      }
      columns.push_back(std::move(e.value));
    }
    for (const char* required : {"rrn", "event_type", "amount", "currency"}) {
      if (!seen.contains(required)) {
        r.error_at("settlement_columns",
                   "has no \"" + std::string(required) + "\" column, which reconciliation needs");
      }
    }
    c.settlement_columns = std::move(columns);
  }

  void read_iso8583_channel(table_reader& r, channel& c) {
    for (auto& e : strings(r, "endpoints", true, limits::config_endpoint_count_max,
                           limits::config_host_size_max + 8)) {
      if (auto ep = detail::parse_endpoint(e.value)) {
        c.endpoints.push_back(std::move(*ep));
      } else {
        out_.error(*e.node, e.path, quote(e.value) + " is not host:port (port 1 to 65535)");
      }
    }
    if (r.has("endpoints") && c.endpoints.empty() && r.table().get("endpoints")->is_array() &&
        r.table().get("endpoints")->as_array()->empty()) {
      r.error_at("endpoints", "is empty, expected at least one host:port");
    }
    if (auto v = r.choice<framing>("framing", false,
                                   {{"binary2", framing::binary2}, {"ascii4", framing::ascii4}})) {
      c.frame = *v;
    }
    const auto frame_max =
        static_cast<std::int64_t>(c.frame == framing::ascii4 ? limits::iso8583_ascii_frame_size_max
                                                             : limits::iso8583_frame_size_max);
    if (auto v = r.integer("frame_size_max", false, limits::iso8583_frame_size_min, frame_max)) {
      c.frame_size_max = *v;
    }
    if (auto v = r.integer("echo_interval_ms", false, limits::echo_interval_ms_min,
                           limits::echo_interval_ms_max)) {
      c.echo_interval_ms = *v;
    }
    read_reversal_retry(r, c);
    if (auto v = r.choice<iso8583_spec>(
            "spec", false, {{"iso87", iso8583_spec::iso87}, {"iso93", iso8583_spec::iso93}})) {
      c.spec = *v;
    }
    c.mac_key = r.text_matching("mac_key", false, limits::config_id_size_max, detail::is_id,
                                "an HSM key name ([A-Za-z0-9_-])");
    read_iso8583_ids(r, c);
  }

  void read_reversal_retry(table_reader& r, channel& c) {
    if (auto v = r.integer("reversal_retry_base_ms", false, limits::reversal_retry_ms_min,
                           limits::reversal_retry_ms_max)) {
      c.reversal_retry_base_ms = *v;
    }
    if (auto v = r.integer("reversal_retry_max_ms", false, limits::reversal_retry_ms_min,
                           limits::reversal_retry_ms_max)) {
      c.reversal_retry_max_ms = *v;
    }
    if (c.reversal_retry_max_ms < c.reversal_retry_base_ms) {
      r.error_at(
          r.has("reversal_retry_max_ms") ? "reversal_retry_max_ms" : "reversal_retry_base_ms",
          std::to_string(c.reversal_retry_max_ms) + " ms maximum is below the " +
              std::to_string(c.reversal_retry_base_ms) + " ms base");
    }
  }

  static bool is_acquirer_id(std::string_view s) {
    return detail::is_digits(s) && s.size() <= limits::acquirer_id_digits_max;
  }

  void read_iso8583_ids(table_reader& r, channel& c) {
    if (auto v = r.text_matching("acquirer_id", true, limits::acquirer_id_digits_max,
                                 is_acquirer_id, "1 to 11 digits (DE 32)")) {
      c.acquirer_id = *v;
    }
    if (auto v = r.text_matching("terminal_id", true, limits::terminal_id_size,
                                 detail::is_printable, "printable ASCII (DE 41)")) {
      c.terminal_id = *v;
    }
    if (auto v = r.text_matching("card_acceptor_id", true, limits::card_acceptor_id_size_max,
                                 detail::is_printable, "printable ASCII (DE 42)")) {
      c.card_acceptor_id = *v;
    }
    if (auto v = r.text_matching("card_acceptor_name", false, limits::card_acceptor_name_size_max,
                                 detail::is_printable, "printable ASCII (DE 43)")) {
      c.card_acceptor_name = *v;
    }
  }

  void read_http_channel(table_reader& r, channel& c) {
    if (auto v = r.text_matching("base_url", true, limits::config_url_size_max, detail::is_base_url,
                                 "an http:// or https:// URL")) {
      c.base_url = *v;
    }
    if (auto v = r.text_matching("signing_key", true, limits::config_id_size_max, detail::is_id,
                                 "an HSM key name ([A-Za-z0-9_-])")) {
      c.signing_key = *v;
    }
  }

  // ---- merchants ------------------------------------------------------------------------------
  static bool is_mcc(std::string_view s) { return s.size() == 4 && detail::is_digits(s); }

  void read_merchant(table_reader& r) {
    merchant m;
    if (auto v = r.text_matching("id", true, limits::config_id_size_max, detail::is_id,
                                 "an id ([A-Za-z0-9_-])")) {
      m.id = *v;
      check_unique(r, "id", m.id, merchant_ids_, r.path());
    }
    if (auto v = r.text_matching("name", true, limits::config_name_size_max, detail::is_printable,
                                 "printable ASCII")) {
      m.name = *v;
    }
    if (auto v = r.text_matching("mcc", true, 4, is_mcc, "a 4-digit merchant category code")) {
      m.mcc = *v;
    }
    read_api_keys(r, m);
    for (auto& e : strings(r, "client_certificate_sha256", false, limits::config_list_size_max,
                           limits::certificate_fingerprint_text_size_max)) {
      if (auto fingerprint = detail::sha256_fingerprint(e.value)) {
        m.client_certificate_sha256.push_back(std::move(*fingerprint));
      } else {
        out_.error(*e.node, e.path,
                   quote(e.value) +
                       " is not a SHA-256 fingerprint (64 hex digits, optionally in pairs "
                       "separated by ':')");
      }
    }
    with_table(r, "rate_limit", false, [&](table_reader& t) {
      if (auto v = t.integer("requests_per_s", false, 1, limits::rate_limit_rps_max)) {
        m.rate.requests_per_s = *v;
      }
      if (auto v = t.integer("burst", false, 1, limits::rate_limit_burst_max)) m.rate.burst = *v;
    });
    with_table(r, "risk", false, [&](table_reader& t) { read_risk(t, m.risk); });
    with_table(r, "fees", false, [&](table_reader& t) { read_fees(t, m.fees); });
    config_->merchants.push_back(std::move(m));
  }

  void read_api_keys(table_reader& r, merchant& m) {
    for_each_table(r, "api_keys", limits::api_key_count_max, [&](table_reader& t, std::size_t) {
      api_key key;
      if (auto v = t.text_matching("id", true, limits::config_id_size_max, detail::is_id,
                                   "a key id ([A-Za-z0-9_-])")) {
        key.id = *v;
        // The Authorization header names only the key id, so it must be unique switch-wide.
        check_unique(t, "id", key.id, key_ids_, "merchant " + quote(m.id));
      }
      if (auto s = read_secret(t, "secret", limits::api_key_secret_size_min,
                               limits::secret_file_size_max)) {
        key.key_secret = std::move(*s);
      }
      if (auto v = t.boolean("active")) key.active = *v;
      m.api_keys.push_back(std::move(key));
    });
    const auto active = std::count_if(m.api_keys.begin(), m.api_keys.end(),
                                      [](const api_key& k) { return k.active; });
    if (static_cast<std::size_t>(active) > limits::api_key_active_count_max) {
      r.error_at("api_keys", std::to_string(active) + " keys are active, above the maximum " +
                                 std::to_string(limits::api_key_active_count_max) +
                                 " (set active = false on retired keys)");
    }
  }

  static bool is_card_token(std::string_view s) {
    // A token is never a bare card number: an all-digit value of PAN length is refused, so a
    // PAN pasted by mistake does not sit in the configuration.
    const bool pan_like = detail::is_digits(s) && s.size() >= limits::pan_digits_min &&
                          s.size() <= limits::pan_digits_max;
    return detail::is_printable(s) && !pan_like;
  }

  void read_risk(table_reader& r, risk_limits& risk) {
    risk.transaction_amount_max = currency_amounts(r, "transaction_amount_max");
    risk.daily_volume_max = currency_amounts(r, "daily_volume_max");
    risk.velocity_amount_max = currency_amounts(r, "velocity_amount_max");
    if (auto v = r.integer("velocity_count_max", false, 0, limits::velocity_count_max)) {
      risk.velocity_count_max = *v;
    }
    if (auto v = r.integer("velocity_window_s", false, 1, limits::velocity_window_s_max)) {
      risk.velocity_window_s = *v;
    }
    risk.blocked_bins = bin_ranges(r, "blocked_bins");
    for (auto& e : strings(r, "blocked_card_tokens", false, limits::config_list_size_max,
                           limits::card_token_size_max)) {
      if (is_card_token(e.value)) {
        risk.blocked_card_tokens.push_back(std::move(e.value));
      } else {
        out_.error(*e.node, e.path,
                   quote(e.value) + " is not a card token (printable, never a card number)");
      }
    }
    if (auto v = r.boolean("frozen")) risk.frozen = *v;
  }

  void read_fee_rate(table_reader& r, fee_rate& rate) {
    if (auto v = r.integer("basis_points", false, 0, limits::fee_basis_points_max)) {
      rate.basis_points = *v;
    }
    if (auto v = r.integer("fixed_minor", false, 0, limits::amount_minor_max)) {
      rate.fixed_minor = *v;
    }
  }

  void read_fees(table_reader& r, fee_schedule& fees) {
    read_fee_rate(r, fees.base);
    if (auto v = r.choice<refund_fee_policy>("refund_policy", false,
                                             {{"keep", refund_fee_policy::keep},
                                              {"refund", refund_fee_policy::refund},
                                              {"charge", refund_fee_policy::charge}})) {
      fees.refund_policy = *v;
    }
    for_each_table(r, "overrides", limits::config_list_size_max, [&](table_reader& t, std::size_t) {
      fee_override o;
      if (auto v = t.text("brand", false, limits::config_id_size_max)) {
        if (check_brand(*t.table().get("brand"), t.path_of("brand"), *v)) o.brand = *v;
      }
      if (auto v = t.text("channel", false, limits::config_id_size_max)) {
        if (check_channel_ref(t, "channel", *v)) o.channel = *v;
      }
      if (t.has("brand") == t.has("channel")) {
        t.error_at(t.has("brand") ? "channel" : "brand",
                   "a fee override names exactly one of brand and channel");
      }
      read_fee_rate(t, o.rate);
      fees.overrides.push_back(std::move(o));
    });
  }

  bool check_channel_ref(table_reader& r, std::string_view key, const std::string& id) {
    if (channel_ids_.contains(id)) return true;
    r.error_at(key, quote(id) + " is not the id of a channel");
    return false;
  }

  // ---- routes ---------------------------------------------------------------------------------
  void read_route(table_reader& r) {
    route rt;
    if (auto v = r.text_matching("id", true, limits::config_id_size_max, detail::is_id,
                                 "an id ([A-Za-z0-9_-])")) {
      rt.id = *v;
      check_unique(r, "id", rt.id, route_ids_, r.path());
    }
    rt.bins = bin_ranges(r, "bins");
    read_route_lists(r, rt);
    rt.amount_min = r.integer("amount_min", false, 0, limits::amount_minor_max);
    rt.amount_max = r.integer("amount_max", false, 0, limits::amount_minor_max);
    if (rt.amount_min && rt.amount_max && *rt.amount_min > *rt.amount_max) {
      r.error_at("amount_max", std::to_string(*rt.amount_max) + " is below amount_min " +
                                   std::to_string(*rt.amount_min));
    }
    read_route_targets(r, rt);
    if (auto v = r.boolean("failover_on_timeout")) rt.failover_on_timeout = *v;
    config_->routes.push_back(std::move(rt));
  }

  void read_route_lists(table_reader& r, route& rt) {
    const auto n = limits::config_list_size_max;
    for (auto& e : strings(r, "brands", false, n, limits::config_id_size_max)) {
      if (check_brand(*e.node, e.path, e.value)) rt.brands.push_back(std::move(e.value));
    }
    for (auto& e : strings(r, "currencies", false, n, limits::config_id_size_max)) {
      if (check_currency(*e.node, e.path, e.value)) rt.currencies.push_back(std::move(e.value));
    }
    for (auto& e : strings(r, "methods", false, n, limits::config_id_size_max)) {
      if (e.value == "card" || e.value == "wallet") {
        rt.methods.push_back(e.value == "card" ? payment_method::card : payment_method::wallet);
      } else {
        out_.error(*e.node, e.path, quote(e.value) + R"( is not one of "card" "wallet")");
      }
    }
    for (auto& e : strings(r, "merchants", false, n, limits::config_id_size_max)) {
      if (merchant_ids_.contains(e.value)) {
        rt.merchants.push_back(std::move(e.value));
      } else {
        out_.error(*e.node, e.path, quote(e.value) + " is not the id of a merchant");
      }
    }
  }

  void read_route_targets(table_reader& r, route& rt) {
    const auto targets =
        strings(r, "channels", true, limits::config_channel_count_max, limits::config_id_size_max);
    for (const auto& e : targets) {
      if (!channel_ids_.contains(e.value)) {
        out_.error(*e.node, e.path, quote(e.value) + " is not the id of a channel");
      } else if (std::find(rt.channels.begin(), rt.channels.end(), e.value) != rt.channels.end()) {
        // A failover list naming a channel twice would retry where the request already failed.
        out_.error(*e.node, e.path, quote(e.value) + " appears twice");
      } else {
        rt.channels.push_back(e.value);
      }
    }
    if (const auto* a = r.table().get("channels");
        a != nullptr && a->is_array() && a->as_array()->empty()) {
      r.error_at("channels", "is empty, expected at least one channel id");
    }
    const toml::array* weights = r.array("weights", false, limits::config_channel_count_max);
    if (weights == nullptr) return;
    if (weights->size() != targets.size()) {
      r.error_at("weights", "has " + std::to_string(weights->size()) + " entries for " +
                                std::to_string(targets.size()) + " channels");
      return;
    }
    for (std::size_t i = 0; i < weights->size(); ++i) {
      const toml::node& node = *weights->get(i);
      const std::string path = r.path_of("weights") + "[" + std::to_string(i) + "]";
      const auto* w = node.as_integer();
      if (w == nullptr || w->get() < 0 || w->get() > limits::route_weight_max) {
        out_.error(node, path,
                   (w == nullptr ? found(node)
                                 : mask_digit_runs(std::to_string(w->get())) + " is out of range") +
                       ", expected an integer 0 to " + std::to_string(limits::route_weight_max));
      } else {
        rt.weights.push_back(w->get());
      }
    }
    if (rt.weights.size() == weights->size() &&
        std::all_of(rt.weights.begin(), rt.weights.end(), [](std::int64_t w) { return w == 0; })) {
      r.error_at("weights", "are all 0; at least one channel needs traffic");
    }
  }

  // ---- clearing, hsm --------------------------------------------------------------------------
  void read_clearing(table_reader& r) {
    auto& c = config_->clearing;
    if (auto v = r.text("cutoff", false, limits::config_id_size_max)) {
      if (auto t = detail::parse_time_of_day(*v)) {
        c.cutoff = *t;
      } else {
        r.error_at("cutoff", quote(*v) + " is not a time of day HH:MM (00:00 to 23:59)");
      }
    }
    if (auto v = r.text_matching("time_zone", false, limits::time_zone_name_size_max,
                                 detail::is_time_zone_name,
                                 "an IANA time zone name (\"Asia/Shanghai\")")) {
      if (context_.known_time_zone && !context_.known_time_zone(*v)) {
        r.error_at("time_zone", quote(*v) + " is not a time zone in the time zone database");
      } else {
        c.time_zone = *v;
      }
    }
    if (auto v = r.integer("grace_s", false, 0, limits::clearing_grace_s_max)) c.grace_s = *v;
    if (auto v = r.text("output_dir", false, limits::config_path_size_max)) c.output_dir = *v;
    c.signing_key = r.text_matching("signing_key", false, limits::config_id_size_max, detail::is_id,
                                    "an HSM key name ([A-Za-z0-9_-])");
  }

  void read_hsm(table_reader& r) {
    auto& h = config_->hsm;
    for (auto [name, target] : {std::pair{"pan_token_key", &h.pan_token_key},
                                std::pair{"pan_data_key", &h.pan_data_key}}) {
      if (auto v = r.text_matching(name, false, limits::config_id_size_max, detail::is_id,
                                   "an HSM key name ([A-Za-z0-9_-])")) {
        *target = *v;
      }
    }
    const auto backend = r.choice<hsm_backend>(
        "backend", true, {{"soft", hsm_backend::soft}, {"pkcs11", hsm_backend::pkcs11}});
    if (!backend) {
      r.skip({"soft", "pkcs11"});
      return;
    }
    h.backend = *backend;
    if (h.backend == hsm_backend::soft) {
      r.forbid({"pkcs11"}, "is set, but backend is \"soft\"");
      with_table(r, "soft", true, [&](table_reader& t) {
        if (auto v = t.text("key_store_path", true, limits::config_path_size_max)) {
          h.soft.key_store_path = *v;
        }
        if (auto s = read_secret(t, "master_key", limits::hsm_master_key_size_min,
                                 limits::secret_file_size_max)) {
          h.soft.master_key = std::move(*s);
        }
      });
      return;
    }
    r.forbid({"soft"}, "is set, but backend is \"pkcs11\"");
    with_table(r, "pkcs11", true, [&](table_reader& t) { read_pkcs11(t, h.pkcs11); });
  }

  void read_pkcs11(table_reader& r, pkcs11_settings& p) {
    if (auto v = r.text("module_path", true, limits::config_path_size_max)) p.module_path = *v;
    p.slot = r.integer("slot", false, 0, std::numeric_limits<std::uint32_t>::max());
    if (auto v = r.text_matching("token_label", false, limits::pkcs11_token_label_size_max,
                                 detail::is_printable,
                                 "a PKCS#11 token label (printable, up to 32 characters)")) {
      p.token_label = *v;
    }
    if (r.has("slot") == r.has("token_label")) {
      r.error_at(r.has("slot") ? "token_label" : "slot",
                 "a PKCS#11 token is chosen by exactly one of slot and token_label");
    }
    if (auto s = read_secret(r, "pin", 1, limits::hsm_pin_size_max)) p.pin = std::move(*s);
  }

  const validation_context& context_;
  positioned_sink& out_;
  config* config_ = nullptr;
  id_index channel_ids_;
  id_index merchant_ids_;
  id_index route_ids_;
  id_index key_ids_;
};

}  // namespace

bool validation_context::system_time_zone_exists(std::string_view name) {
  if (name == "UTC") return true;
  if (!detail::is_time_zone_name(name)) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + std::string(name), ec);
}

std::optional<std::string> validation_context::process_env(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

load_outcome load_string(std::string_view text, std::string_view name,
                         const validation_context& context) {
  positioned_sink out{std::string(name)};
  if (text.size() > limits::config_file_size_max) {
    out.add(severity::error, 0, 0, "",
            "is " + std::to_string(text.size()) + " bytes, above the maximum " +
                std::to_string(limits::config_file_size_max));
    return {nullptr, out.take()};
  }
  toml::table root;
  try {
    // Exceptions stay inside: toml++ is built with them, and config loading is start-up.
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    out.at(severity::error, e.source(), "",
           "TOML syntax error: " + mask_digit_runs(e.description()));
    return {nullptr, out.take()};
  }
  loader l(context, out);
  std::shared_ptr<config> result = l.run(root);
  if (out.has_errors()) return {nullptr, out.take()};
  return {std::move(result), out.take()};
}

load_outcome load_file(const std::string& path, const validation_context& context) {
  const auto fail = [&](std::string message) {
    return load_outcome{nullptr, {{severity::error, path, 0, 0, "", std::move(message)}}};
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail("is not a readable regular file");
  std::ifstream in(path, std::ios::binary);
  std::string text(limits::config_file_size_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return fail("cannot be read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limits::config_file_size_max) {
    return fail("is larger than the maximum " + std::to_string(limits::config_file_size_max) +
                " bytes");
  }
  return load_string(text, path, context);
}

}  // namespace sy::config
