// The error category of route table building: names and messages of sy::routing::route_errc.
#include "routing/route_errc.h"

#include <string>

namespace sy::routing {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.routing.route"; }

  std::string message(int value) const override {
    switch (static_cast<route_errc>(value)) {
      case route_errc::channel_unknown:
        return "route names an unknown channel";
      case route_errc::channel_repeated:
        return "route names a channel twice";
      case route_errc::channel_count_over:
        return "too many channels for route selection";
      case route_errc::route_count_over:
        return "too many routes";
      case route_errc::bin_range_invalid:
        return "invalid BIN range";
      case route_errc::currency_unknown:
        return "route names an unknown currency";
      case route_errc::brand_unknown:
        return "route names an unknown card brand";
      case route_errc::bin_index_too_large:
        return "overlapping BIN ranges exceed the BIN index limit";
    }
    return "unknown route error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& route_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sy::routing
