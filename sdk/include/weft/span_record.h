#pragma once
// SpanRecord: a finished span as the SDK queues and exports it. A fixed header followed by
// `data_size` bytes that are OTLP `Span` message fields already in protobuf encoding: name
// (5), trace_state (3), attributes (9), events (11), links (13), status (15), weft's
// rpc_id (1000) and, for INTERNAL spans inside an RpcId request, the request's current
// RpcId (1001, for the log-line exporter; OTLP receivers skip it as an unknown field). The header's
// fields (ids, times, kind, flags, drop counts) are encoded by the exporter. Records are 8-byte
// aligned and copied whole (header + data) into queues. The format is in-process only; it is not a
// wire or disk format.
#include <cstdint>
#include <string_view>

#include "weft/ids.h"

namespace weft {

enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};
enum class StatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

struct SpanRecord {
  uint32_t size;       // sizeof(SpanRecord) + data_size, rounded up to 8
  uint32_t data_size;  // bytes of encoded fields after the header
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // all-zero for a root span
  uint64_t start_ns;
  uint64_t end_ns;
  uint32_t dropped_attributes;
  uint32_t dropped_events;
  uint32_t dropped_links;
  uint16_t scope;  // index into the provider's instrumentation scopes
  SpanKind kind;
  StatusCode status;
  uint8_t flags;  // kTraceFlagSampled | kTraceFlagDebug
  uint8_t parent_remote;
  uint8_t reserved[6];

  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  std::string_view data_view() const { return {reinterpret_cast<const char*>(data()), data_size}; }
};
static_assert(sizeof(SpanRecord) % 8 == 0);

// Field numbers of OTLP `Span` used in SpanRecord data.
namespace span_field {
inline constexpr uint32_t kTraceState = 3, kName = 5, kAttributes = 9, kEvents = 11, kLinks = 13,
                          kStatus = 15, kRpcId = 1000, kCurrentRpcId = 1001;
}

}  // namespace weft
