// Strict JSON parsing for request bodies: Boost.JSON's parser with a depth cap, a member-count cap
// and duplicate-key rejection (which boost::json::parse would resolve silently, last one wins).
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/api_error.h"

namespace sy::protocol::detail {

// A parsed request body and the memory it lives in: a small in-object buffer first, then the
// heap, all released at once when the document goes away.
class json_document {
 public:
  json_document() = default;
  json_document(const json_document&) = delete;
  json_document& operator=(const json_document&) = delete;

  // Parses `text` as exactly one JSON value. Errors: api_errc::json_invalid (malformed, bad
  // UTF-8, nested deeper than limits::json_depth_max, an object with more than
  // limits::json_object_member_count_max members, bytes after the value) and
  // api_errc::parameter_duplicate (param names the repeated key's dotted path).
  std::optional<api_error> parse(std::string_view text);

  const boost::json::value& root() const noexcept { return root_; }

 private:
  static constexpr std::size_t buffer_size = 4096;  // a typical create-payment tree fits
  unsigned char buffer_[buffer_size];
  boost::json::monotonic_resource resource_{buffer_, buffer_size};
  // On resource_ too: a value move-assigned across memory resources is deep-copied.
  boost::json::value root_ = boost::json::value(boost::json::storage_ptr(&resource_));
};

}  // namespace sy::protocol::detail
