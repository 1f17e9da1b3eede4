#include "server/ops_handler.h"

#include "common/metrics.h"

namespace weft::server {

http::Handler make_ops_handler(const std::atomic<bool>& ready, http::Handler next,
                               std::function<std::string()> more_metrics) {
  return [&ready, next = std::move(next), more_metrics = std::move(more_metrics)](
             http::Request&& req, http::Responder respond) {
    if (req.method == "GET" || req.method == "HEAD") {
      if (req.path == "/healthz") return respond(http::Response::text(200, "ok\n"));
      if (req.path == "/readyz")
        return respond(ready.load() ? http::Response::text(200, "ready\n")
                                    : http::Response::text(503, "not ready\n"));
      if (req.path == "/metrics") {
        std::string text = MetricsRegistry::global().render();
        if (more_metrics) text += more_metrics();
        return respond(
            http::Response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}});
      }
    }
    next(std::move(req), std::move(respond));
  };
}

}  // namespace weft::server
