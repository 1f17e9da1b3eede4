#pragma once
// OTLP/JSON (the protobuf JSON mapping with OTLP's rules): hex trace/span IDs,
// lowerCamelCase keys, 64-bit integers as strings, enums as integers. The decoder also
// accepts what lenient senders write (snake_case keys, numbers for 64-bit ints, enum
// names) and ignores unknown fields.
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "wire/decode_result.h"

namespace weft::wire {

using namespace weft::model;

// Decodes an ExportTraceServiceRequest / TracesData JSON object, appending to out->batch.
// Invalid JSON or a member of the wrong JSON type -> INVALID_ARGUMENT naming the offset or
// the path ("resourceSpans[0].scopeSpans[0].spans[2].name: expected a string"); *out is then
// left unchanged. An id that is a string but not a valid id rejects only its span:
// "span 2: resourceSpans[0].scopeSpans[0].spans[2].traceId: not 32 hex digits" (also
// "must not be all zero"; a bad link id rejects the span too). Span member "weftRpcId"
// (weft extension) is read into Span::rpc_id.
Status decode_otlp_json(std::string_view json, DecodeResult* out);

// Encodes spans as a TracesData JSON object {"resourceSpans":[...]} (grouping as in
// encode_otlp_proto).
std::string encode_otlp_json(const std::vector<Span>& spans);

// Appends the OTLP/JSON form of one attribute list / value, e.g.
// [{"key":"k","value":{"intValue":"5"}}]. Shared with the native API.
void append_otlp_json_attributes(std::string& out, const KeyValueList& attrs);
void append_otlp_json_value(std::string& out, const AnyValue& value);

// The JSON ExportTraceServiceResponse: {} or {"partialSuccess":{"rejectedSpans":"2",
// "errorMessage":"..."}}.
std::string encode_otlp_json_export_response(int64_t rejected_spans,
                                             std::string_view error_message);

}  // namespace weft::wire
