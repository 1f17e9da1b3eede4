#pragma once
// Rendering of traces in the JSON model of Jaeger's query API and UI (jaeger
// model/json/model.go, filled as model/converter/json/from_domain.go does), with OTLP fields
// mapped to Jaeger as OpenTelemetry's Jaeger translator does:
//
//  * resource -> process {serviceName, tags: resource attributes but service.name}; equal
//    resources share one process, keyed "p1", "p2", ... in order of first use;
//  * parent -> CHILD_OF reference (first); each link -> FOLLOWS_FROM reference carrying the
//    link's own trace ID;
//  * tags, in order: otel.scope.name, otel.scope.version, the span attributes, span.kind
//    (unless unspecified), otel.status_code ("OK"/"ERROR"), error=true (status ERROR),
//    otel.status_description, w3c.tracestate, then what weft adds when present:
//    otel.dropped_{attributes,events,links}_count and weft.rpc_id; a synthetic tag is left
//    out when the span has an attribute of that key already (Zipkin-born spans keep `error`
//    and `otel.status_code` as attributes);
//  * events -> logs {timestamp µs, fields: event=<name>, the attributes,
//    otel.dropped_attributes_count when non-zero};
//  * attribute types: string, bool, int64, float64, bytes -> "binary" (base64), arrays and
//    key-value lists -> "string" holding their JSON;
//  * times in microseconds; IDs in lowercase hex, a trace ID whose high 64 bits are zero in
//    16 digits (Jaeger's TraceID.String()).
#include <string>

#include "api/json_writer.h"
#include "common/ids.h"
#include "model/query.h"
#include "model/span.h"

namespace weft::api {

using namespace weft::model;

std::string jaeger_trace_id(const TraceId& id);

// One trace object: {"traceID","spans":[...],"processes":{...},"warnings":null}.
// REQUIRES: trace.spans is not empty.
void write_jaeger_trace(JsonWriter& w, const Trace& trace);

}  // namespace weft::api
