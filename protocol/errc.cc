// The error category of the protocol domain types: names and messages of sy::protocol::errc.
#include "protocol/errc.h"

#include <string>

namespace sy::protocol {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.protocol"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::amount_overflow:
        return "amount out of range";
      case errc::currency_mismatch:
        return "amounts in different currencies";
      case errc::currency_unknown:
        return "unknown currency";
      case errc::pan_not_digits:
        return "card number must contain digits only";
      case errc::pan_too_short:
        return "card number has fewer than 12 digits";
      case errc::pan_too_long:
        return "card number has more than 19 digits";
      case errc::pan_luhn_failed:
        return "card number fails the Luhn check";
    }
    return "unknown protocol error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sy::protocol
