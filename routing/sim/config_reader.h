// What the simulators' TOML loaders share: a reader that turns every wrong key, type and value
// into one message naming the key, and the range checks their validate() functions phrase alike.
// Included only by the simulators' config files, the only users of toml++.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/limits.h"
#include "routing/sim/bank_config.h"

namespace sy::routing::sim::detail {

// Collects problems while reading one TOML document.
class reader {
 public:
  explicit reader(std::vector<std::string>& errors) : errors_(errors) {}

  void error(const std::string& key, const std::string& message) {
    errors_.push_back(key + ": " + message);
  }

  // Every key of `table` outside `known` is an error: a typo never passes silently.
  void known_keys(const toml::table& table, const std::string& prefix,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [key, node] : table) {
      bool ok = false;
      for (const auto k : known) ok = ok || key.str() == k;
      if (!ok) error(prefix + std::string(key.str()), "unknown key");
    }
  }

  void text(const toml::table& table, const std::string& prefix, std::string_view key,
            std::string& out) {
    exact<std::string>(table, prefix, key, out, "expected a string");
  }

  void integer(const toml::table& table, const std::string& prefix, std::string_view key,
               std::int64_t& out) {
    exact<std::int64_t>(table, prefix, key, out, "expected an integer");
  }

  void rate(const toml::table& table, const std::string& prefix, std::string_view key,
            double& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    if (const auto* f = node->as_floating_point()) {
      out = f->get();
    } else if (const auto* i = node->as_integer()) {
      out = static_cast<double>(i->get());
    } else {
      error(prefix + std::string(key), "expected a number from 0 to 1");
    }
  }

  // An array of tables at `key`; each element that is not a table is an error.
  template <class F>
  void tables(const toml::table& table, const std::string& prefix, std::string_view key, F each) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
      error(prefix + std::string(key),
            "expected an array of tables ([[" + prefix + std::string(key) + "]])");
      return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string at = prefix + std::string(key) + "[" + std::to_string(i) + "]";
      if (const auto* t = array->get(i)->as_table()) {
        each(*t, at + ".");
      } else {
        error(at, "expected a table");
      }
    }
  }

  // The sub-table at `key`, or nullptr (absent, or an error when it is not a table).
  const toml::table* table_at(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return nullptr;
    if (const auto* t = node->as_table()) return t;
    error(std::string(key), "expected a table");
    return nullptr;
  }

 private:
  // Reads a value of exactly TOML type T (no conversion), or says what was expected.
  template <class T>
  void exact(const toml::table& table, const std::string& prefix, std::string_view key, T& out,
             std::string_view expected) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    if (const auto* v = node->as<T>()) {
      out = v->get();
    } else {
      error(prefix + std::string(key), std::string(expected));
    }
  }

  std::vector<std::string>& errors_;
};

inline std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A check of one integer against [min, max], phrased with the key and both bounds.
inline void check_range(std::vector<std::string>& errors, const std::string& key,
                        std::int64_t value, std::int64_t min, std::int64_t max) {
  if (value < min) {
    errors.push_back(key + ": " + std::to_string(value) + " is below the minimum " +
                     std::to_string(min));
  } else if (value > max) {
    errors.push_back(key + ": " + std::to_string(value) + " is above the maximum " +
                     std::to_string(max));
  }
}

inline void check_rate(std::vector<std::string>& errors, const std::string& key, double value) {
  if (!(value >= 0)) errors.push_back(key + ": " + number(value) + " is below the minimum 0");
  if (value > 1) errors.push_back(key + ": " + number(value) + " is above the maximum 1");
}

inline void read_latency(reader& r, const toml::table& t, latency_settings& out) {
  r.known_keys(t, "latency.", {"distribution", "fixed_us", "min_us", "max_us", "mean_us"});
  std::string kind;
  r.text(t, "latency.", "distribution", kind);
  if (kind == "fixed") out.distribution = latency_distribution::fixed;
  if (kind == "uniform") out.distribution = latency_distribution::uniform;
  if (kind == "exponential") out.distribution = latency_distribution::exponential;
  if (!kind.empty() && kind != "fixed" && kind != "uniform" && kind != "exponential") {
    r.error("latency.distribution",
            "\"" + kind + "\" is not one of \"fixed\", \"uniform\", \"exponential\"");
  }
  r.integer(t, "latency.", "fixed_us", out.fixed_us);
  r.integer(t, "latency.", "min_us", out.min_us);
  r.integer(t, "latency.", "max_us", out.max_us);
  r.integer(t, "latency.", "mean_us", out.mean_us);
}

// The [tls] table of a simulator's listener (sim_tls_settings).
inline void read_tls(reader& r, const toml::table& t, sim_tls_settings& out) {
  r.known_keys(t, "tls.", {"certificate_path", "key_path", "client_ca_path"});
  r.text(t, "tls.", "certificate_path", out.certificate_path);
  r.text(t, "tls.", "key_path", out.key_path);
  r.text(t, "tls.", "client_ca_path", out.client_ca_path);
}

inline void check_tls(std::vector<std::string>& errors, const sim_tls_settings& tls) {
  const auto path_max = static_cast<std::int64_t>(limits::config_path_size_max);
  check_range(errors, "tls.certificate_path (length)",
              static_cast<std::int64_t>(tls.certificate_path.size()), 0, path_max);
  check_range(errors, "tls.key_path (length)", static_cast<std::int64_t>(tls.key_path.size()), 0,
              path_max);
  check_range(errors, "tls.client_ca_path (length)",
              static_cast<std::int64_t>(tls.client_ca_path.size()), 0, path_max);
  if (tls.certificate_path.empty() != tls.key_path.empty()) {
    errors.push_back("tls: certificate_path and key_path go together, one is empty");
  }
  if (!tls.client_ca_path.empty() && tls.certificate_path.empty()) {
    errors.push_back("tls.client_ca_path: needs certificate_path and key_path");
  }
}

// Reads the file at `path` into `text`, at most limits::config_file_size_max bytes; returns the
// problem ("PATH: cannot be opened"), or an empty string.
inline std::string read_config_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot be opened";
  text.assign(limits::config_file_size_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limits::config_file_size_max) {
    return path + ": larger than the maximum " + std::to_string(limits::config_file_size_max) +
           " bytes";
  }
  return {};
}

// Parses `text` as TOML into `out` with `read_top(reader&, const toml::table&, Config&)`, then
// adds `validate(out)`'s bounds too, so one run lists every problem (a key of the wrong type kept
// its default). A syntax error is the only problem reported when there is one.
template <class Config, class ReadTop, class Validate>
std::vector<std::string> parse_config(std::string_view text, std::string_view source, Config& out,
                                      ReadTop read_top, Validate validate) {
  std::vector<std::string> errors;
  toml::table root;
  try {
    // Exceptions only while loading config (DESIGN.md): toml++ reports syntax errors this way.
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    errors.push_back(std::string(source) + ":" + std::to_string(e.source().begin.line) + ":" +
                     std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
    return errors;
  }
  reader r(errors);
  read_top(r, root, out);
  for (auto& e : validate(out)) errors.push_back(std::move(e));
  return errors;
}

}  // namespace sy::routing::sim::detail
