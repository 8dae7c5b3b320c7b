// The merchant API's endpoints, as /metrics labels them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sy::gateway {

enum class api_route : std::uint8_t { create, list, retrieve, capture, void_, refund, other };

inline constexpr std::array<std::string_view, 7> api_route_labels{"POST /v1/payments",
                                                                  "GET /v1/payments",
                                                                  "GET /v1/payments/{id}",
                                                                  "POST /v1/payments/{id}/capture",
                                                                  "POST /v1/payments/{id}/void",
                                                                  "POST /v1/payments/{id}/refunds",
                                                                  "other"};

}  // namespace sy::gateway
