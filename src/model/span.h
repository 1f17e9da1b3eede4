#pragma once
// The one internal span model (DESIGN.md §5). Field for field what OTLP carries, plus the
// RpcId of log-based tracing. A span refers to its resource and instrumentation scope by
// shared pointer: a batch decoded from one ResourceSpans shares one Resource.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "model/attribute.h"

namespace weft::model {

// Numbering equals OTLP's Span.SpanKind.
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
// "internal", "server", ... ("unspecified" for 0): the names Jaeger and the native API use.
const char* span_kind_name(SpanKind k);
// Accepts those names in any case and OTLP's "SPAN_KIND_SERVER"; false if unknown.
bool parse_span_kind(std::string_view s, SpanKind* out);

// Numbering equals OTLP's Status.StatusCode.
enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

struct SpanStatus {
  SpanStatusCode code = SpanStatusCode::kUnset;
  std::string message;
  friend bool operator==(const SpanStatus&, const SpanStatus&) = default;
};

struct Resource {
  KeyValueList attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;  // ResourceSpans.schema_url
  // The string service.name attribute, or "unknown_service" when absent (OTel's rule).
  std::string_view service_name() const;
  friend bool operator==(const Resource&, const Resource&) = default;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  KeyValueList attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;  // ScopeSpans.schema_url
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  KeyValueList attributes;
  uint32_t dropped_attributes_count = 0;
  friend bool operator==(const SpanEvent&, const SpanEvent&) = default;
};

struct SpanLink {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;
  KeyValueList attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  friend bool operator==(const SpanLink&, const SpanLink&) = default;
};

struct Span {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // zero for a root
  std::string trace_state;
  uint32_t flags = 0;  // W3C trace flags in the low 8 bits, OTLP's span flags above;
                       // bits 26-31 are weft's own (kWeftFlagsMask)
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  KeyValueList attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatus status;
  std::string rpc_id;  // hierarchical call counter of log-based tracing; empty if none

  std::shared_ptr<const Resource> resource;           // never null once decoded
  std::shared_ptr<const InstrumentationScope> scope;  // never null once decoded

  bool is_root() const { return parent_span_id.is_zero(); }
  uint64_t duration_nanos() const {
    return end_time_unix_nano > start_time_unix_nano ? end_time_unix_nano - start_time_unix_nano
                                                     : 0;
  }
  // The resource's service name ("unknown_service" without a resource).
  std::string_view service_name() const;
  bool is_error() const { return status.code == SpanStatusCode::kError; }
};

// Bits of Span::flags that weft uses for itself (what a Zipkin span carried beyond the
// model: see wire/zipkin_json.h). OTLP reserves them, so OTLP encoders clear them.
inline constexpr uint32_t kWeftFlagsMask = 0xFC000000u;

// Field-for-field equality, comparing resource and scope by value.
bool same_span(const Span& a, const Span& b);

// Approximate bytes the span holds in memory, its resource and scope not included.
size_t approx_bytes(const Span& s);

// Spans in the order they arrived. Consecutive spans sharing one resource/scope pointer
// form one ResourceSpans/ScopeSpans group when encoded back to OTLP.
struct SpanBatch {
  std::vector<Span> spans;
};

// Every span of one trace the store holds, sorted by start time then span ID.
struct Trace {
  TraceId trace_id;
  std::vector<Span> spans;
};

}  // namespace weft::model
