#pragma once
// Rendering of weft's native API JSON (docs/api.md, "Native API"): traces field for field,
// attributes in OTLP/JSON form (wire::append_otlp_json_attributes), resources and scopes
// deduplicated by value and referred to by index, 64-bit times as decimal strings.
#include <vector>

#include "api/json_writer.h"
#include "model/query.h"
#include "model/span.h"
#include "query/trace_view.h"

namespace weft::api {

using namespace weft::model;

// {"traceId","spanCount","startTimeUnixNano","endTimeUnixNano","resources","scopes","spans"}
// REQUIRES: trace.spans is not empty.
void write_native_trace(JsonWriter& w, const Trace& trace);
// A page or sub-tree of a trace: the same object, with "spanCount" (and the times) of the
// whole trace, plus "returnedSpanCount", "offset" and, for a page with more after it,
// "nextOffset".
void write_native_trace_part(JsonWriter& w, const query::TracePart& part);

// One search result row: {"traceId","startTimeUnixNano","durationNanos","rootService",
// "rootName","spanCount","errorCount","services":[{"name","spanCount"}]}.
void write_native_summary(JsonWriter& w, const TraceSummary& s);

const char* native_status_code(SpanStatusCode code);

}  // namespace weft::api
