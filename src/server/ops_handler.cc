#include "server/ops_handler.h"

#include "common/metrics.h"

namespace weft::server {

http::Handler make_ops_handler(const std::atomic<bool>& ready, http::Handler next) {
  return [&ready, next = std::move(next)](http::Request&& req, http::Responder respond) {
    if (req.method == "GET" || req.method == "HEAD") {
      if (req.path == "/healthz") return respond(http::Response::text(200, "ok\n"));
      if (req.path == "/readyz")
        return respond(ready.load() ? http::Response::text(200, "ready\n")
                                    : http::Response::text(503, "not ready\n"));
      if (req.path == "/metrics")
        return respond(http::Response{200,
                                      "text/plain; version=0.0.4; charset=utf-8",
                                      MetricsRegistry::global().render(),
                                      {}});
    }
    next(std::move(req), std::move(respond));
  };
}

}  // namespace weft::server
