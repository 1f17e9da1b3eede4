#pragma once
// The SLA alerts of the native API (docs/api.md, "Alerts"):
//   GET /api/v1/alerts        every rule's alert as of the last evaluation
//   GET /api/v1/alerts/rules  the configured rules
// Errors as the native API writes them: {"error":{"code":N,"message":"..."}}.
#include "alerts/alert_engine.h"
#include "api/route_util.h"

namespace weft::api {

// Answers the two routes above; any other path is a 404 with route "unknown".
RouteResult route_alerts(const pipeline::alerts::AlertEngine& engine, const http::Request& req);

}  // namespace weft::api
