// The error category of the bank link: names and messages of sy::routing::link::errc.
#include "routing/link/errc.h"

#include <string>

namespace sy::routing::link {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.link"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::numbers_pending:
        return "no STAN/RRN reserved durably yet";
      case errc::business_date_behind:
        return "business date before the channel's current one";
      case errc::stan_exhausted:
        return "every STAN of the business date is used";
      case errc::rrn_exhausted:
        return "every RRN of the channel is used";
      case errc::sequence_conflict:
        return "another allocator reserved the channel's numbers";
      case errc::bad_request_value:
        return "a request value does not fit its ISO 8583 element";
      case errc::spec_unsupported:
        return "the channel's ISO 8583 spec is not supported by the message builders";
      case errc::malformed_message:
        return "malformed ISO 8583 message";
      case errc::unexpected_mti:
        return "unexpected message type";
      case errc::missing_field:
        return "response lacks a required element";
      case errc::mac_missing:
        return "response has no MAC";
      case errc::mac_invalid:
        return "response MAC does not verify";
      case errc::inflight_full:
        return "too many requests outstanding on the connection";
      case errc::inflight_duplicate:
        return "a request with the same STAN, terminal and RRN is outstanding";
    }
    return "unknown bank link error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& link_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sy::routing::link
