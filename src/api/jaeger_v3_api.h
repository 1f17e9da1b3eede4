#pragma once
// Jaeger's API v3 HTTP gateway (cmd/query/app/apiv3/http_gateway.go): OTLP/JSON traces
// wrapped as {"result":{"resourceSpans":[...]}}, trace summaries, services, operations and
// dependencies; errors as {"error":{"http_code":N,"message":"..."}}.
#include "api/route_util.h"
#include "query/query_service.h"

namespace weft::api {

RouteResult route_jaeger_v3(query::QueryService& service, const http::Request& req);

}  // namespace weft::api
