#pragma once
// The RED metrics over HTTP (docs/api.md), answered from the pipeline's MetricsStore:
//   * Jaeger's SPM API, as the Jaeger UI's Monitor tab reads it: GET /api/metrics/latencies,
//     /api/metrics/calls, /api/metrics/errors, /api/metrics/minstep -- Jaeger's parameters
//     (service (repeatable), groupByOperation, endTs, lookback, step, ratePer, spanKind
//     (repeatable, default server); times in ms), its MetricFamily JSON (latencies in ms,
//     call rates per second, error rates as a fraction; points without calls omitted, as
//     Jaeger omits NaN) and its error shape {"data":null,...,"errors":[{"code","msg"}]};
//   * native: GET /api/v1/metrics/red, /api/v1/metrics/edges, /api/v1/metrics/services,
//     errors as {"error":{"code":N,"message":"..."}}.
// Every point at time t of the Jaeger API covers the buckets starting in [t - ratePer, t).
#include <string_view>

#include "api/route_util.h"
#include "metrics/metrics_store.h"

namespace weft::api {

// True for the paths route_metrics answers (/api/metrics/... and /api/v1/metrics/...).
bool is_metrics_route(std::string_view path);

// Answers a request whose path is_metrics_route(); synchronously, on the calling thread.
RouteResult route_metrics(pipeline::metrics::MetricsStore& store, const http::Request& req);

}  // namespace weft::api
