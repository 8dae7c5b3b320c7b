// Diagnostic collection shared by the loader's parts: a sink that stamps each problem with the
// file name and keeps them in file order. Free of toml++ so that it can be a header.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/diagnostic.h"

namespace sy::config::detail {

class sink {
 public:
  explicit sink(std::string file) : file_(std::move(file)) {}

  const std::string& file() const noexcept { return file_; }
  void add(severity level, std::uint32_t line, std::uint32_t column, std::string path,
           std::string message);
  bool has_errors() const noexcept { return errors_ != 0; }
  // The diagnostics sorted by position (stable: same-position ones keep their order).
  std::vector<diagnostic> take();

 private:
  std::string file_;
  std::vector<diagnostic> diagnostics_;
  std::size_t errors_ = 0;
};

}  // namespace sy::config::detail
