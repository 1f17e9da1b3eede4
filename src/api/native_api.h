#pragma once
// weft's native query API under /api/v1/: everything weft stores, field for field (OTLP
// attribute values, resources and scopes deduplicated, RpcId, dropped counts). Shapes in
// docs/api.md; errors as {"error":{"code":N,"message":"..."}}.
#include "api/route_util.h"
#include "query/query_service.h"

namespace weft::api {

RouteResult route_native(query::QueryService& service, const http::Request& req);

// POST /api/v1/admin/flush and /api/v1/admin/compact: run on a thread of their own (they
// take as long as writing a block) and answer through `respond`. False if `req` is not one
// of them.
bool route_native_admin(query::QueryService& service, const http::Request& req,
                        const http::Responder& respond);

}  // namespace weft::api
