#include "api/native_json.h"

#include <algorithm>

#include "wire/otlp_json.h"

namespace weft::api {

using namespace weft::model;

namespace {

void write_attributes(JsonWriter& w, const KeyValueList& attrs) {
  w.key("attributes");
  w.before_value();
  wire::append_otlp_json_attributes(w.out(), attrs);
}

// Distinct values among the pointers, in order of first use; index of each span's value.
template <typename T>
struct Dedup {
  std::vector<const T*> distinct;
  std::vector<size_t> of_span;
  void add(const T* v) {
    static const T kNone{};
    if (!v) v = &kNone;
    size_t i = 0;
    while (i < distinct.size() && distinct[i] != v && !(*distinct[i] == *v)) ++i;
    if (i == distinct.size()) distinct.push_back(v);
    of_span.push_back(i);
  }
};

void write_span(JsonWriter& w, const Span& s, size_t resource_index, size_t scope_index) {
  w.begin_object()
      .kv("traceId", s.trace_id.to_hex())
      .kv("spanId", s.span_id.to_hex())
      .kv("parentSpanId", s.is_root() ? std::string() : s.parent_span_id.to_hex())
      .kv("traceState", s.trace_state)
      .kv_u64("flags", s.flags)
      .kv("name", s.name)
      .kv("kind", span_kind_name(s.kind))
      .key("startTimeUnixNano")
      .u64_string(s.start_time_unix_nano)
      .key("endTimeUnixNano")
      .u64_string(s.end_time_unix_nano)
      .key("durationNanos")
      .u64_string(s.duration_nanos());
  write_attributes(w, s.attributes);
  w.kv_u64("droppedAttributesCount", s.dropped_attributes_count);
  w.key("events").begin_array();
  for (const SpanEvent& e : s.events) {
    w.begin_object().key("timeUnixNano").u64_string(e.time_unix_nano).kv("name", e.name);
    write_attributes(w, e.attributes);
    w.kv_u64("droppedAttributesCount", e.dropped_attributes_count).end_object();
  }
  w.end_array().kv_u64("droppedEventsCount", s.dropped_events_count);
  w.key("links").begin_array();
  for (const SpanLink& l : s.links) {
    w.begin_object()
        .kv("traceId", l.trace_id.to_hex())
        .kv("spanId", l.span_id.to_hex())
        .kv("traceState", l.trace_state);
    write_attributes(w, l.attributes);
    w.kv_u64("droppedAttributesCount", l.dropped_attributes_count)
        .kv_u64("flags", l.flags)
        .end_object();
  }
  w.end_array().kv_u64("droppedLinksCount", s.dropped_links_count);
  w.key("status")
      .begin_object()
      .kv("code", native_status_code(s.status.code))
      .kv("message", s.status.message)
      .end_object();
  w.kv("rpcId", s.rpc_id)
      .kv("service", s.service_name())
      .kv_u64("resourceIndex", resource_index)
      .kv_u64("scopeIndex", scope_index)
      .end_object();
}

}  // namespace

const char* native_status_code(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kOk:
      return "ok";
    case SpanStatusCode::kError:
      return "error";
    default:
      return "unset";
  }
}

namespace {

// The trace object; `part` (null for a whole trace) adds what a page or sub-tree leaves out.
void write_trace_object(JsonWriter& w, const Trace& trace, const query::TracePart* part) {
  Dedup<Resource> resources;
  Dedup<InstrumentationScope> scopes;
  uint64_t start = trace.spans.empty() ? 0 : trace.spans.front().start_time_unix_nano, end = 0;
  for (const Span& s : trace.spans) {
    resources.add(s.resource.get());
    scopes.add(s.scope.get());
    start = std::min(start, s.start_time_unix_nano);
    end = std::max(end, s.end_time_unix_nano);
  }
  if (part) {
    start = part->start_unix_nano;
    end = part->end_unix_nano;
  }
  w.begin_object()
      .kv("traceId", trace.trace_id.to_hex())
      .kv_u64("spanCount", part ? part->total_spans : trace.spans.size())
      .key("startTimeUnixNano")
      .u64_string(start)
      .key("endTimeUnixNano")
      .u64_string(end);
  if (part) {
    w.kv_u64("returnedSpanCount", trace.spans.size()).kv_u64("offset", part->offset);
    if (part->next_offset) w.kv_u64("nextOffset", *part->next_offset);
  }
  w.key("resources").begin_array();
  for (const Resource* r : resources.distinct) {
    w.begin_object();
    write_attributes(w, r->attributes);
    w.kv_u64("droppedAttributesCount", r->dropped_attributes_count)
        .kv("schemaUrl", r->schema_url)
        .end_object();
  }
  w.end_array().key("scopes").begin_array();
  for (const InstrumentationScope* sc : scopes.distinct) {
    w.begin_object().kv("name", sc->name).kv("version", sc->version);
    write_attributes(w, sc->attributes);
    w.kv_u64("droppedAttributesCount", sc->dropped_attributes_count)
        .kv("schemaUrl", sc->schema_url)
        .end_object();
  }
  w.end_array().key("spans").begin_array();
  for (size_t i = 0; i < trace.spans.size(); ++i)
    write_span(w, trace.spans[i], resources.of_span[i], scopes.of_span[i]);
  w.end_array().end_object();
}

}  // namespace

void write_native_trace(JsonWriter& w, const Trace& trace) {
  write_trace_object(w, trace, nullptr);
}

void write_native_trace_part(JsonWriter& w, const query::TracePart& part) {
  write_trace_object(w, part.spans, &part);
}

void write_native_summary(JsonWriter& w, const TraceSummary& s) {
  w.begin_object()
      .kv("traceId", s.trace_id.to_hex())
      .key("startTimeUnixNano")
      .u64_string(s.start_unix_nano)
      .key("durationNanos")
      .u64_string(s.duration_nanos())
      .kv("rootService", s.root_service)
      .kv("rootName", s.root_name)
      .kv_u64("spanCount", s.span_count)
      .kv_u64("errorCount", s.error_count)
      .key("services")
      .begin_array();
  for (const auto& [name, count] : s.services)
    w.begin_object().kv("name", name).kv_u64("spanCount", count).end_object();
  w.end_array().end_object();
}

}  // namespace weft::api
