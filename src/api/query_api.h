#pragma once
// The HTTP query API served on port 16686: one handler answering
//   /api/v1/...  weft's native API (native_api.h),
//   /api/v3/...  Jaeger's API v3 (jaeger_v3_api.h),
//   /api/...     Jaeger's HTTP API as the Jaeger UI calls it (jaeger_api.h).
// Every endpoint is documented in docs/api.md. Unknown paths get 404 and other methods than
// GET/HEAD 405, in the error shape of the family the path belongs to.
#include "common/http_message.h"
#include "query/query_service.h"

namespace weft::api {

// The handler answers synchronously, on the calling thread, exactly once.
// REQUIRES: `service` outlives the handler.
http::Handler make_query_api_handler(query::QueryService& service);

}  // namespace weft::api
