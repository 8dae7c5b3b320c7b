// The strict parser: a Boost.JSON basic_parser handler that builds the value tree like
// boost::json::parser does, and also remembers the keys of every open object to refuse repeats.
#include "protocol/detail/json_reader.h"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include "config/limits.h"
#include "config/redact.h"

namespace sy::protocol::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

class strict_handler {
 public:
  // Read by basic_parser: larger objects, arrays, keys or strings fail the parse.
  static constexpr std::size_t max_object_size = limits::json_object_member_count_max;
  static constexpr std::size_t max_array_size = limits::json_object_member_count_max;
  static constexpr std::size_t max_key_size = limits::http_body_size_max;
  static constexpr std::size_t max_string_size = limits::http_body_size_max;

  explicit strict_handler(json::storage_ptr storage)
      : stack_(json::storage_ptr(), stack_buffer_, sizeof stack_buffer_),
        storage_(std::move(storage)) {
    arena_.reserve(arena_reserve_size);
  }

  json::value release() { return stack_.release(); }
  // The dotted path of the repeated key, when the parse failed for that reason.
  const std::optional<std::string>& duplicate() const noexcept { return duplicate_; }

  bool on_document_begin(error_code&) {
    stack_.reset(storage_);
    return true;
  }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code& ec) {
    // basic_parser enforces max_depth first; this guard keeps the array access provably safe.
    if (depth_ == object_starts_.size()) {
      ec = json::error::too_deep;
      return false;
    }
    object_starts_[depth_++] = key_count_;
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    const std::size_t start = object_starts_[--depth_];
    if (start < key_count_) arena_.resize(keys_[start].offset);
    key_count_ = start;
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code& ec) {
    // Most keys arrive in one piece; only a key split across input buffers goes through key_.
    std::string_view key(s.data(), s.size());
    if (!key_.empty()) {
      key_.append(key);
      key = key_;
    }
    if (is_duplicate(key)) {
      duplicate_ = path_to(key);
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    // max_object_size bounds the members of each of at most max_depth open objects.
    if (key_count_ == keys_.size()) {
      ec = json::error::object_too_large;
      return false;
    }
    keys_[key_count_++] = {arena_.size(), key.size()};
    arena_ += key;
    stack_.push_key(key);
    key_.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, error_code&) {
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, error_code&) {
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  struct key_span {
    std::size_t offset;
    std::size_t size;
  };

  std::string_view key_at(std::size_t index) const {
    return std::string_view(arena_).substr(keys_[index].offset, keys_[index].size);
  }

  // Objects have at most max_object_size members, so this scan stays short.
  bool is_duplicate(std::string_view key) const {
    for (std::size_t i = object_starts_[depth_ - 1]; i < key_count_; ++i) {
      if (key_at(i) == key) return true;
    }
    return false;
  }

  // Each enclosing object's latest key, then `key`: "payment_method.card.number".
  std::string path_to(std::string_view key) const {
    std::string path;
    for (std::size_t level = 1; level < depth_; ++level) {
      const std::size_t inner_start = object_starts_[level];
      if (inner_start == 0 || inner_start <= object_starts_[level - 1]) continue;
      path += mask_digit_runs(key_at(inner_start - 1));
      path += '.';
    }
    path += mask_digit_runs(key);
    return path;
  }

  static constexpr std::size_t arena_reserve_size = 256;  // the keys of a typical request

  unsigned char stack_buffer_[4096];
  json::value_stack stack_;
  json::storage_ptr storage_;
  std::string key_;    // a key split across on_key_part calls
  std::string arena_;  // the keys of all open objects, back to back
  // Spans into arena_ of the keys of all open objects, innermost object's last.
  std::array<key_span, (limits::json_depth_max + 1) * max_object_size> keys_;
  std::size_t key_count_ = 0;
  // Per open object, its first index into keys_.
  std::array<std::size_t, limits::json_depth_max + 1> object_starts_;
  std::size_t depth_ = 0;
  std::optional<std::string> duplicate_;
};

std::string parse_failure_message(const error_code& ec, std::size_t offset) {
  if (ec == json::error::too_deep) {
    return "the JSON body is nested deeper than " + std::to_string(limits::json_depth_max) +
           " levels";
  }
  if (ec == json::error::object_too_large || ec == json::error::array_too_large) {
    return "a JSON object or array in the body has more than " +
           std::to_string(limits::json_object_member_count_max) + " members";
  }
  if (ec == json::error::extra_data) {
    return "the body holds bytes after the JSON value, at byte " + std::to_string(offset);
  }
  return "the body is not valid JSON (" + ec.message() + " at byte " + std::to_string(offset) + ")";
}

}  // namespace

std::optional<api_error> json_document::parse(std::string_view text) {
  json::parse_options options;
  options.max_depth = limits::json_depth_max;
  json::basic_parser<strict_handler> parser(options, json::storage_ptr(&resource_));
  error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (ec) {
    if (parser.handler().duplicate()) {
      const std::string& path = *parser.handler().duplicate();
      return api_error{api_errc::parameter_duplicate, path + " appears more than once", path};
    }
    return api_error{api_errc::json_invalid, parse_failure_message(ec, consumed), {}};
  }
  root_ = parser.handler().release();
  return std::nullopt;
}

}  // namespace sy::protocol::detail
