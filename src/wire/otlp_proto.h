#pragma once
// OTLP protobuf (opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest), with a
// hand-written decoder and encoder: the hot path of ingest. Field numbers: see
// docs/format/otlp.md and proto/ (our own .proto files, used for gRPC and in tests).
#include <string>
#include <string_view>

#include "common/status.h"
#include "wire/decode_result.h"

namespace weft::wire {

using namespace weft::model;

// Decodes an ExportTraceServiceRequest (equally a TracesData: same field 1). Appends the
// spans to out->batch. Malformed protobuf framing -> INVALID_ARGUMENT whose message says
// where ("resource_spans[0].scope_spans[1].spans[2]: truncated field 5"); *out is then left
// unchanged. Unknown fields (any wire type, groups included) are skipped.
// Per-span problems (ids of the wrong length or all zero, in the span or a link) reject only
// that span (out->reject), e.g. "span 3: trace_id must be 16 bytes (got 5)". Span.field 1000
// (weft extension, string) is read into Span::rpc_id.
Status decode_otlp_proto(std::string_view bytes, DecodeResult* out);

// Encodes spans as an ExportTraceServiceRequest. Spans sharing a resource (by pointer or
// equal value) and scope go into one ResourceSpans/ScopeSpans, in order of first appearance.
std::string encode_otlp_proto(const std::vector<Span>& spans);

// ExportTraceServiceResponse; with rejected == 0 and an empty message, the empty message.
std::string encode_otlp_export_response(int64_t rejected_spans, std::string_view error_message);

}  // namespace weft::wire
