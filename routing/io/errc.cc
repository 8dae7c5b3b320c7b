// The error category of the bank link's I/O: names and messages of sy::routing::io::errc.
#include "routing/io/errc.h"

#include <string>

namespace sy::routing::io {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.link_io"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::not_signed_on:
        return "no connection of the channel is signed on";
      case errc::link_full:
        return "every connection of the channel has its maximum of requests outstanding";
      case errc::send_failed:
        return "the connection failed before the request was written";
      case errc::stopped:
        return "the channel's link is stopping";
      case errc::injected_failure:
        return "injected send failure";
    }
    return "unknown bank link I/O error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& io_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sy::routing::io
