#include "api/jaeger_json.h"

#include <vector>

namespace weft::api {

using namespace weft::model;

namespace {

void write_tag(JsonWriter& w, std::string_view key, const AnyValue& v) {
  w.begin_object().kv("key", key);
  switch (v.v.index()) {
    case 2:
      w.kv("type", "bool").key("value").boolean(*v.as_bool());
      break;
    case 3:
      w.kv("type", "int64").key("value").i64(*v.as_int());
      break;
    case 4:
      w.kv("type", "float64").key("value").dbl(*v.as_double());
      break;
    case 5:
      w.kv("type", "binary").kv("value", base64_encode(std::get<Bytes>(v.v).data));
      break;
    case 1:
      w.kv("type", "string").kv("value", *v.as_string());
      break;
    default:  // empty, arrays and key-value lists: their JSON text ("" when empty)
      w.kv("type", "string").kv("value", v.is_empty() ? std::string() : v.to_string());
  }
  w.end_object();
}

void write_string_tag(JsonWriter& w, std::string_view key, std::string_view value) {
  w.begin_object().kv("key", key).kv("type", "string").kv("value", value).end_object();
}

void write_int_tag(JsonWriter& w, std::string_view key, int64_t value) {
  w.begin_object().kv("key", key).kv("type", "int64").kv_i64("value", value).end_object();
}

const char* jaeger_span_kind(SpanKind k) {
  switch (k) {
    case SpanKind::kUnspecified:
      return nullptr;
    default:
      return span_kind_name(k);
  }
}

void write_span_tags(JsonWriter& w, const Span& s) {
  w.key("tags").begin_array();
  if (s.scope) {
    if (!s.scope->name.empty()) write_string_tag(w, "otel.scope.name", s.scope->name);
    if (!s.scope->version.empty()) write_string_tag(w, "otel.scope.version", s.scope->version);
  }
  for (const KeyValue& kv : s.attributes) write_tag(w, kv.key, kv.value);
  // Synthetic tags are skipped when an attribute of that key exists already (spans that
  // came from Zipkin or Jaeger keep those tags as attributes).
  auto absent = [&](std::string_view key) { return !find_attribute(s.attributes, key); };
  if (const char* kind = jaeger_span_kind(s.kind); kind && absent("span.kind"))
    write_string_tag(w, "span.kind", kind);
  if (absent("otel.status_code")) {
    if (s.status.code == SpanStatusCode::kOk) write_string_tag(w, "otel.status_code", "OK");
    if (s.status.code == SpanStatusCode::kError) write_string_tag(w, "otel.status_code", "ERROR");
  }
  if (s.status.code == SpanStatusCode::kError && absent("error"))
    w.begin_object().kv("key", "error").kv("type", "bool").kv_bool("value", true).end_object();
  if (!s.status.message.empty() && absent("otel.status_description"))
    write_string_tag(w, "otel.status_description", s.status.message);
  if (!s.trace_state.empty()) write_string_tag(w, "w3c.tracestate", s.trace_state);
  if (s.dropped_attributes_count)
    write_int_tag(w, "otel.dropped_attributes_count", s.dropped_attributes_count);
  if (s.dropped_events_count) write_int_tag(w, "otel.dropped_events_count", s.dropped_events_count);
  if (s.dropped_links_count) write_int_tag(w, "otel.dropped_links_count", s.dropped_links_count);
  if (!s.rpc_id.empty()) write_string_tag(w, "weft.rpc_id", s.rpc_id);
  w.end_array();
}

void write_logs(JsonWriter& w, const Span& s) {
  w.key("logs").begin_array();
  for (const SpanEvent& e : s.events) {
    w.begin_object().kv_u64("timestamp", e.time_unix_nano / 1000).key("fields").begin_array();
    if (!e.name.empty()) write_string_tag(w, "event", e.name);
    for (const KeyValue& kv : e.attributes) write_tag(w, kv.key, kv.value);
    if (e.dropped_attributes_count)
      write_int_tag(w, "otel.dropped_attributes_count", e.dropped_attributes_count);
    w.end_array().end_object();
  }
  w.end_array();
}

void write_references(JsonWriter& w, const Span& s, const std::string& trace_id) {
  w.key("references").begin_array();
  if (!s.is_root()) {
    w.begin_object()
        .kv("refType", "CHILD_OF")
        .kv("traceID", trace_id)
        .kv("spanID", s.parent_span_id.to_hex())
        .end_object();
  }
  for (const SpanLink& l : s.links) {
    w.begin_object()
        .kv("refType", "FOLLOWS_FROM")
        .kv("traceID", jaeger_trace_id(l.trace_id))
        .kv("spanID", l.span_id.to_hex())
        .end_object();
  }
  w.end_array();
}

// Processes: distinct resources by value, in order of first use.
struct Processes {
  std::vector<const Resource*> distinct;
  std::vector<size_t> of_span;  // index into distinct, per span

  explicit Processes(const Trace& t) {
    static const Resource kNone;
    for (const Span& s : t.spans) {
      const Resource* r = s.resource ? s.resource.get() : &kNone;
      size_t i = 0;
      while (i < distinct.size() && distinct[i] != r && !(*distinct[i] == *r)) ++i;
      if (i == distinct.size()) distinct.push_back(r);
      of_span.push_back(i);
    }
  }
  static std::string key(size_t i) { return "p" + std::to_string(i + 1); }
};

}  // namespace

std::string jaeger_trace_id(const TraceId& id) {
  if (id.high64() == 0) {
    std::string s;
    append_hex(s, id.bytes.data() + 8, 8);
    return s;
  }
  return id.to_hex();
}

void write_jaeger_trace(JsonWriter& w, const Trace& trace) {
  const std::string trace_id = jaeger_trace_id(trace.trace_id);
  Processes processes(trace);
  w.begin_object().kv("traceID", trace_id).key("spans").begin_array();
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    const Span& s = trace.spans[i];
    w.begin_object().kv("traceID", trace_id).kv("spanID", s.span_id.to_hex());
    if (uint32_t flags = s.flags & 0xff) w.kv_u64("flags", flags);
    w.kv("operationName", s.name);
    write_references(w, s, trace_id);
    w.kv_u64("startTime", s.start_time_unix_nano / 1000)
        .kv_u64("duration", s.duration_nanos() / 1000);
    write_span_tags(w, s);
    write_logs(w, s);
    w.kv("processID", Processes::key(processes.of_span[i])).key("warnings").null();
    w.end_object();
  }
  w.end_array().key("processes").begin_object();
  for (size_t i = 0; i < processes.distinct.size(); ++i) {
    const Resource& r = *processes.distinct[i];
    w.key(Processes::key(i)).begin_object().kv("serviceName", r.service_name());
    w.key("tags").begin_array();
    for (const KeyValue& kv : r.attributes)
      if (kv.key != "service.name") write_tag(w, kv.key, kv.value);
    w.end_array().end_object();
  }
  w.end_object().key("warnings").null().end_object();
}

}  // namespace weft::api
