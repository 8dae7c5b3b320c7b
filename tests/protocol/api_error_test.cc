#include "protocol/api_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sy::protocol {
namespace {

TEST(ApiError, SerializesWithParam) {
  const api_error error{api_errc::parameter_missing, "amount is required", "amount"};
  EXPECT_EQ(to_json(error),
            R"({"error":{"type":"invalid_request_error","code":"parameter_missing",)"
            R"("message":"amount is required","param":"amount"}})");
}

TEST(ApiError, OmitsEmptyParamAndEscapesTheMessage) {
  const api_error error{api_errc::json_invalid, "bad \"json\"\n", {}};
  EXPECT_EQ(to_json(error), R"({"error":{"type":"invalid_request_error","code":"json_invalid",)"
                            R"("message":"bad \"json\"\u000a"}})");
}

TEST(ApiError, TypesAndStatusesFollowTheSpec) {
  EXPECT_EQ(type_of(api_errc::invalid_signature), error_type::authentication_error);
  EXPECT_EQ(http_status_of(api_errc::invalid_signature), 401u);
  EXPECT_EQ(type_of(api_errc::idempotency_key_reused), error_type::idempotency_error);
  EXPECT_EQ(http_status_of(api_errc::idempotency_key_reused), 422u);
  EXPECT_EQ(http_status_of(api_errc::idempotency_request_in_progress), 409u);
  EXPECT_EQ(http_status_of(api_errc::resource_missing), 404u);
  EXPECT_EQ(http_status_of(api_errc::invalid_state), 409u);
  EXPECT_EQ(type_of(api_errc::rate_limited), error_type::rate_limit_error);
  EXPECT_EQ(http_status_of(api_errc::rate_limited), 429u);
  EXPECT_EQ(type_of(api_errc::overloaded), error_type::api_error);
  EXPECT_EQ(http_status_of(api_errc::overloaded), 503u);
  EXPECT_EQ(http_status_of(api_errc::body_too_large), 413u);
  EXPECT_EQ(http_status_of(api_errc::unsupported_media_type), 415u);
  EXPECT_EQ(http_status_of(api_errc::method_not_allowed), 405u);
  EXPECT_EQ(http_status_of(api_errc::idempotency_key_missing), 400u);
}

TEST(ApiError, EveryCodeHasADistinctName) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(api_errc::overloaded); ++i) {
    const auto name = to_string(static_cast<api_errc>(i));
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(std::string(name)).second) << name;
  }
  EXPECT_EQ(to_string(api_errc::idempotency_key_missing), "idempotency_key_missing");
  EXPECT_EQ(to_string(error_type::invalid_request_error), "invalid_request_error");
}

}  // namespace
}  // namespace sy::protocol
