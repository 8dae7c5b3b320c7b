// Compiling a configuration snapshot for the merchant API.
#include "gateway/switch_context.h"

namespace sy::gateway {

result<compiled_config> compiled_config::build(config::snapshot snapshot) {
  auto merchants = merchant_directory::build(snapshot);
  if (!merchants) return merchants.error();
  auto routes = routing::route_table::build(*snapshot);
  if (!routes) return routes.error();
  return compiled_config{std::move(snapshot), std::move(*merchants), std::move(*routes), {}};
}

}  // namespace sy::gateway
