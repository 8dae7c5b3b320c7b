// The operations endpoints (specs/merchant-api.md, served on the admin listener): GET /healthz
// (the process answers), GET /readyz (the store is open and at least one channel is signed on)
// and GET /metrics (Prometheus text format 0.0.4).
#pragma once

#include <functional>
#include <string>

#include "gateway/http_message.h"

namespace sy::gateway {

class admin_api {
 public:
  // `any_signed_on` says whether a channel is signed on now; `render_metrics` makes the /metrics
  // text at each scrape. The store is open for as long as the switch serves, so readiness is the
  // channels' sign-on.
  admin_api(std::function<bool()> any_signed_on, std::function<std::string()> render_metrics)
      : any_signed_on_(std::move(any_signed_on)), render_metrics_(std::move(render_metrics)) {}

  void handle(http_request request, clearing::store::executor ex, answer_fn answer) const;

 private:
  std::function<bool()> any_signed_on_;
  std::function<std::string()> render_metrics_;
};

}  // namespace sy::gateway
