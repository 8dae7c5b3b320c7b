// The admin listener's three endpoints.
#include "gateway/admin_api.h"

namespace sy::gateway {

void admin_api::handle(http_request request, clearing::store::executor, answer_fn answer) const {
  http_answer a;
  const std::string_view path =
      std::string_view(request.target).substr(0, std::string_view(request.target).find('?'));
  const bool known = path == "/healthz" || path == "/readyz" || path == "/metrics";
  if (!known) {
    a.status = 404;
    a.body = R"({"error":"no such endpoint; try /healthz, /readyz or /metrics"})";
  } else if (request.method != "GET") {
    a.status = 405;
    a.headers.emplace_back("Allow", "GET");
    a.body = R"({"error":"only GET"})";
  } else if (path == "/healthz") {
    a.body = R"({"status":"ok"})";
  } else if (path == "/readyz") {
    const bool up = any_signed_on_();
    a.status = up ? 200 : 503;
    a.body =
        up ? R"({"status":"ready"})" : R"({"status":"not ready","reason":"no channel signed on"})";
  } else {
    a.content_type = "text/plain; version=0.0.4; charset=utf-8";
    a.body = render_metrics_();
  }
  answer(std::move(a));
}

}  // namespace sy::gateway
