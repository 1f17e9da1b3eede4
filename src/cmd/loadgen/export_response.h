#pragma once
// Reads OTLP's partial success out of an ExportTraceServiceResponse, so that spans the
// server rejected are not counted as acknowledged.
#include <cstdint>
#include <string_view>

namespace weft::cmd::loadgen {

// partial_success.rejected_spans of a protobuf response body; 0 if absent or unreadable.
int64_t rejected_spans_in_proto_response(std::string_view body);
// partialSuccess.rejectedSpans of a JSON response body; 0 if absent or unreadable.
int64_t rejected_spans_in_json_response(std::string_view body);

}  // namespace weft::cmd::loadgen
