#pragma once
// OTLP protobuf encoding of a batch of SpanRecords, shared by the OTLP/HTTP and OTLP/gRPC
// exporters: an `ExportTraceServiceRequest` with one ResourceSpans and one ScopeSpans per
// instrumentation scope present in the batch. Each record's data (name, attributes, events,
// links, status, trace_state, weft's rpc_id) is already encoded and is copied verbatim; only
// the header fields (ids, times, kind, flags, drop counts) are encoded here.
#include <cstdint>
#include <string>
#include <string_view>

#include "weft/exporter.h"

namespace weft::otlp {

// OTLP Span.flags bits (trace.proto SpanFlags): the low byte is the W3C trace flags; these
// two say whether the parent span is remote.
inline constexpr uint32_t kSpanFlagsContextHasIsRemote = 0x100;
inline constexpr uint32_t kSpanFlagsContextIsRemote = 0x200;

// Replaces *out with the encoded request. Two passes over the batch (sizes, then bytes), no
// allocation besides growing *out, whose capacity is kept across calls: pass the same string
// every time. Not reentrant per thread only in that it uses thread-local scratch for batches
// with several scopes.
void EncodeExportRequest(const ExportBatch& batch, std::string* out);

// The OTLP Span.flags value of a record: W3C flags without weft's private debug bit, plus
// the parent's remoteness.
uint32_t OtlpSpanFlags(const SpanRecord& record);

// Reads `rejected_spans` from an ExportTraceServiceResponse (partial_success = 1,
// rejected_spans = 1); 0 when absent or unparsable. `error_message` (if any) goes to *message.
int64_t RejectedSpans(std::string_view response, std::string* message = nullptr);

}  // namespace weft::otlp
