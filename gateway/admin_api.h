// The operations endpoints (specs/merchant-api.md, served on the admin listener): GET /healthz
// (the process answers), GET /readyz (the store is open and at least one channel is signed on)
// and GET /metrics (Prometheus text format 0.0.4).
#pragma once

#include <functional>
#include <string>

#include "gateway/http_message.h"
#include "routing/health_board.h"

namespace sy::gateway {

class admin_api {
 public:
  // `render_metrics` makes the /metrics text at each scrape. The store is open for as long as
  // the switch serves, so readiness is the channels' sign-on.
  admin_api(const routing::health_board& health, std::function<std::string()> render_metrics)
      : health_(health), render_metrics_(std::move(render_metrics)) {}

  void handle(http_request request, clearing::store::executor ex, answer_fn answer) const;

 private:
  bool ready() const noexcept;

  const routing::health_board& health_;
  std::function<std::string()> render_metrics_;
};

}  // namespace sy::gateway
