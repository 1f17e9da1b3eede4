#pragma once
// The OTLP protobuf form of a batch, for exporters of your own (a custom transport, a queue,
// a process that hands spans to an in-process receiver): the bytes of an
// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` with one ResourceSpans
// and one ScopeSpans per instrumentation scope in the batch, exactly what the built-in
// OTLP/HTTP and OTLP/gRPC exporters send.
#include <string>

#include "weft/exporter.h"

namespace weft {

// Replaces *out with the encoded request. Reuse one string across calls: its capacity is
// kept, so a steady exporter does not allocate.
void EncodeOtlpExportRequest(const ExportBatch& batch, std::string* out);

}  // namespace weft
