#pragma once
// Operational endpoints on the query port: /healthz (the process serves), /readyz (the
// store is open and every listener is up; 503 while starting or stopping) and /metrics
// (Prometheus text of weft's own metrics, then whatever `more_metrics` returns: the RED
// series families --metrics-prometheus enables). Everything else goes to `next`.
#include <atomic>
#include <functional>
#include <string>

#include "common/http_message.h"

namespace weft::server {

http::Handler make_ops_handler(const std::atomic<bool>& ready, http::Handler next,
                               std::function<std::string()> more_metrics = {});

}  // namespace weft::server
