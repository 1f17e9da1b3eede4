#pragma once
// Zipkin's v2 query API (openzipkin zipkin2-api.yaml) for port 9411: the GET endpoints
// under /api/v2/. POST /api/v2/spans belongs to ingest; this handler answers it 405.
// Spans are rendered by wire/zipkin_json.h. Errors as {"error":{"code":N,"message":"..."}}.
#include "common/http_message.h"
#include "query/query_service.h"

namespace weft::api {

// The handler answers synchronously, on the calling thread, exactly once.
// REQUIRES: `service` outlives the handler.
http::Handler make_zipkin_query_handler(query::QueryService& service);

}  // namespace weft::api
