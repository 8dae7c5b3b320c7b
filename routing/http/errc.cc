// The error category of the HTTP channel: names and messages of sy::routing::http::errc.
#include "routing/http/errc.h"

#include <string>

namespace sy::routing::http {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer); GCC's -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sy.http_channel"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_request_value:
        return "the request cannot be encoded for the provider";
      case errc::queue_full:
        return "too many requests waiting for a provider connection";
      case errc::queue_timeout:
        return "deadline passed while waiting for a provider connection";
      case errc::connect_failed:
        return "cannot connect to the provider";
      case errc::signing_failed:
        return "the HSM could not sign the request";
      case errc::stopped:
        return "the channel is stopping";
      case errc::injected_failure:
        return "injected send failure";
      case errc::rejected:
        return "the provider refused the request without processing it";
      case errc::unavailable:
        return "the provider is unavailable and did not process the request";
      case errc::unknown_request:
        return "the provider has no request with this id";
      case errc::timeout:
        return "no answer from the provider in time";
      case errc::connection_lost:
        return "provider connection lost after the request was written";
      case errc::malformed_http:
        return "the provider's answer is not valid HTTP/1.1";
      case errc::answer_too_large:
        return "the provider's answer exceeds the size limits";
      case errc::bad_signature:
        return "the provider's signature is missing or does not verify";
      case errc::malformed_answer:
        return "the provider's answer is not a valid charge or refund object";
      case errc::id_conflict:
        return "the provider holds a different request under this id";
      case errc::server_error:
        return "the provider answered with a server error";
      case errc::unexpected_status:
        return "the provider answered with an undefined HTTP status";
      case errc::bad_timestamp:
        return "signature timestamp missing, malformed or out of window";
    }
    return "unknown HTTP channel error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& http_channel_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace sy::routing::http
