#pragma once
// Zipkin v2 JSON (a list of spans), both ways. The mapping to the model is in
// docs/format/zipkin.md; it is chosen so that Zipkin -> model -> Zipkin is lossless and
// OpenTelemetry spans read back through the Zipkin API as OTel's own Zipkin exporter
// would have sent them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "wire/decode_result.h"

namespace weft::wire {

// Span::flags bit that records Zipkin's "debug": true (weft-private; OTLP defines bits 0-9).
inline constexpr uint32_t kZipkinDebugFlag = 1u << 31;

// Decodes a JSON array of Zipkin v2 spans, appending to out->batch. Each span gets a resource
// built from its localEndpoint (service.name = localEndpoint.serviceName; consecutive spans
// with the same endpoint share one Resource). Per-span problems (bad or missing id) reject
// only that span: "span 2: traceId: not 16 or 32 hex digits". Invalid JSON or a member of
// the wrong type -> INVALID_ARGUMENT naming the path ("[2].timestamp: expected ...");
// *out is then left unchanged.
Status decode_zipkin_json(std::string_view json, DecodeResult* out);

// Appends one span as a Zipkin v2 JSON object.
void append_zipkin_json_span(std::string& out, const Span& span);
// A JSON array of spans.
std::string encode_zipkin_json(const std::vector<Span>& spans);

}  // namespace weft::wire
