#pragma once
// Jaeger's HTTP query API (cmd/query/app/http_handler.go) as the Jaeger UI and tools call it:
// /api/traces/{id}, /api/traces, /api/services, /api/services/{service}/operations,
// /api/operations, /api/dependencies. Responses are Jaeger's envelope
// {"data":...,"total":N,"limit":0,"offset":0,"errors":null}; traces are rendered by
// jaeger_json.h.
#include "api/route_util.h"
#include "query/query_service.h"

namespace weft::api {

RouteResult route_jaeger(query::QueryService& service, const http::Request& req);

}  // namespace weft::api
