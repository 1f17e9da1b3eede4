#pragma once
// The trace analysis endpoints of the native API (docs/api.md, "Trace analysis"): the
// critical path and RpcId gaps of one trace, the aggregate critical path and cohorts of an
// entry point, and the comparison of two traces. The analyses are src/query/analysis's;
// this file fetches through the QueryService and renders.
#include <optional>

#include "api/route_util.h"
#include "model/span.h"
#include "query/query_service.h"

namespace weft::api {

// The analysis route `req` names, answered; nullopt if it names none.
std::optional<RouteResult> route_analysis(query::QueryService& service, const http::Request& req);

// The analyses of many traces (/api/v1/analysis/…) read thousands of traces (up to seconds):
// they run on a thread of their own, answering through `respond`, so the I/O threads keep
// serving ingest and other queries; at most kMaxConcurrentAnalyses at once, more answer
// 429. False if `req` is not one of them.
inline constexpr int kMaxConcurrentAnalyses = 2;
bool route_analysis_async(query::QueryService& service, const http::Request& req,
                          const http::Responder& respond);

// Clock skew corrected (query/analysis/clock_skew.h) and the spans sorted again as the
// query layer returns them. Every API that returns a trace for display calls this unless
// asked for raw times.
void adjust_clock_skew_for_display(model::Trace& trace);

}  // namespace weft::api
