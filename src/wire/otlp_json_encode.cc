// OTLP/JSON encoder: the protobuf JSON mapping with OTLP's rules (hex ids, lowerCamelCase
// keys, 64-bit integers as decimal strings, enums as integers), default values omitted.
#include "wire/json_text.h"
#include "wire/otlp_json.h"
#include "wire/span_grouping.h"

namespace weft::wire {

using namespace weft::model;

namespace {

void append_hex_id(std::string& out, std::string_view key, const auto& id) {
  out.push_back('"');
  out.append(key);
  out.append("\":\"");
  append_hex(out, id.bytes.data(), id.bytes.size());
  out.push_back('"');
}

// ,"key":"123" for a non-zero 64-bit value (comma first: never the first member).
void append_u64_member(std::string& out, const char* key, uint64_t v) {
  if (v == 0) return;
  out.append(",\"").append(key).append("\":\"");
  json::append_uint(out, v);
  out.push_back('"');
}
void append_u32_member(std::string& out, const char* key, uint64_t v) {
  if (v == 0) return;
  out.append(",\"").append(key).append("\":");
  json::append_uint(out, v);
}
void append_string_member(std::string& out, const char* key, std::string_view s) {
  if (s.empty()) return;
  out.append(",\"").append(key).append("\":");
  append_json_string(out, s);
}
void append_attributes_member(std::string& out, const char* key, const KeyValueList& attrs) {
  if (attrs.empty()) return;
  out.append(",\"").append(key).append("\":");
  append_otlp_json_attributes(out, attrs);
}

// Appends {members}; members() writes each member with a leading comma, and the first
// comma is removed here.
template <typename F>
void append_object(std::string& out, F&& members) {
  out.push_back('{');
  size_t mark = out.size();
  members();
  if (out.size() > mark && out[mark] == ',') out.erase(mark, 1);
  out.push_back('}');
}

void append_span(std::string& out, const Span& s) {
  out.push_back('{');
  append_hex_id(out, "traceId", s.trace_id);
  out.push_back(',');
  append_hex_id(out, "spanId", s.span_id);
  append_string_member(out, "traceState", s.trace_state);
  if (!s.parent_span_id.is_zero()) {
    out.push_back(',');
    append_hex_id(out, "parentSpanId", s.parent_span_id);
  }
  append_u32_member(out, "flags", s.flags & ~kWeftFlagsMask);
  append_string_member(out, "name", s.name);
  append_u32_member(out, "kind", static_cast<uint64_t>(s.kind));
  append_u64_member(out, "startTimeUnixNano", s.start_time_unix_nano);
  append_u64_member(out, "endTimeUnixNano", s.end_time_unix_nano);
  append_attributes_member(out, "attributes", s.attributes);
  append_u32_member(out, "droppedAttributesCount", s.dropped_attributes_count);
  if (!s.events.empty()) {
    out.append(",\"events\":[");
    for (size_t i = 0; i < s.events.size(); ++i) {
      const SpanEvent& e = s.events[i];
      if (i) out.push_back(',');
      append_object(out, [&] {
        append_u64_member(out, "timeUnixNano", e.time_unix_nano);
        append_string_member(out, "name", e.name);
        append_attributes_member(out, "attributes", e.attributes);
        append_u32_member(out, "droppedAttributesCount", e.dropped_attributes_count);
      });
    }
    out.push_back(']');
  }
  append_u32_member(out, "droppedEventsCount", s.dropped_events_count);
  if (!s.links.empty()) {
    out.append(",\"links\":[");
    for (size_t i = 0; i < s.links.size(); ++i) {
      const SpanLink& l = s.links[i];
      if (i) out.push_back(',');
      out.push_back('{');
      append_hex_id(out, "traceId", l.trace_id);
      out.push_back(',');
      append_hex_id(out, "spanId", l.span_id);
      append_string_member(out, "traceState", l.trace_state);
      append_attributes_member(out, "attributes", l.attributes);
      append_u32_member(out, "droppedAttributesCount", l.dropped_attributes_count);
      append_u32_member(out, "flags", l.flags);
      out.push_back('}');
    }
    out.push_back(']');
  }
  append_u32_member(out, "droppedLinksCount", s.dropped_links_count);
  if (s.status.code != SpanStatusCode::kUnset || !s.status.message.empty()) {
    out.append(",\"status\":");
    append_object(out, [&] {
      append_string_member(out, "message", s.status.message);
      append_u32_member(out, "code", static_cast<uint64_t>(s.status.code));
    });
  }
  append_string_member(out, "weftRpcId", s.rpc_id);  // weft extension, field 1000
  out.push_back('}');
}

}  // namespace

void append_otlp_json_value(std::string& out, const AnyValue& value) {
  const auto& v = value.v;
  switch (v.index()) {
    case 0:
      out.append("{}");
      break;
    case 1:
      out.append("{\"stringValue\":");
      append_json_string(out, std::get<std::string>(v));
      out.push_back('}');
      break;
    case 2:
      out.append(std::get<bool>(v) ? "{\"boolValue\":true}" : "{\"boolValue\":false}");
      break;
    case 3:
      out.append("{\"intValue\":\"");
      json::append_int(out, std::get<int64_t>(v));
      out.append("\"}");
      break;
    case 4:
      out.append("{\"doubleValue\":");
      json::append_double(out, std::get<double>(v));
      out.push_back('}');
      break;
    case 5:
      out.append("{\"bytesValue\":\"");
      out.append(base64_encode(std::get<Bytes>(v).data));
      out.append("\"}");
      break;
    case 6: {
      out.append("{\"arrayValue\":{\"values\":[");
      const auto& arr = std::get<ArrayValue>(v);
      for (size_t i = 0; i < arr.size(); ++i) {
        if (i) out.push_back(',');
        append_otlp_json_value(out, arr[i]);
      }
      out.append("]}}");
      break;
    }
    case 7:
      out.append("{\"kvlistValue\":{\"values\":");
      append_otlp_json_attributes(out, std::get<KeyValueList>(v));
      out.append("}}");
      break;
  }
}

void append_otlp_json_attributes(std::string& out, const KeyValueList& attrs) {
  out.push_back('[');
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out.push_back(',');
    out.append("{\"key\":");
    append_json_string(out, attrs[i].key);
    out.append(",\"value\":");
    append_otlp_json_value(out, attrs[i].value);
    out.push_back('}');
  }
  out.push_back(']');
}

std::string encode_otlp_json(const std::vector<Span>& spans) {
  std::string out;
  out.reserve(spans.size() * 900 + 64);
  out.append("{\"resourceSpans\":[");
  bool first_r = true;
  for (const ResourceGroup& rg : group_spans(spans)) {
    if (!first_r) out.push_back(',');
    first_r = false;
    const Resource& res = *rg.resource;
    append_object(out, [&] {
      if (!res.attributes.empty() || res.dropped_attributes_count) {
        out.append(",\"resource\":");
        append_object(out, [&] {
          append_attributes_member(out, "attributes", res.attributes);
          append_u32_member(out, "droppedAttributesCount", res.dropped_attributes_count);
        });
      }
      out.append(",\"scopeSpans\":[");
      for (size_t i = 0; i < rg.scopes.size(); ++i) {
        const ScopeGroup& sg = rg.scopes[i];
        const InstrumentationScope& sc = *sg.scope;
        if (i) out.push_back(',');
        append_object(out, [&] {
          if (!sc.name.empty() || !sc.version.empty() || !sc.attributes.empty() ||
              sc.dropped_attributes_count) {
            out.append(",\"scope\":");
            append_object(out, [&] {
              append_string_member(out, "name", sc.name);
              append_string_member(out, "version", sc.version);
              append_attributes_member(out, "attributes", sc.attributes);
              append_u32_member(out, "droppedAttributesCount", sc.dropped_attributes_count);
            });
          }
          out.append(",\"spans\":[");
          for (size_t k = 0; k < sg.spans.size(); ++k) {
            if (k) out.push_back(',');
            append_span(out, *sg.spans[k]);
          }
          out.push_back(']');
          append_string_member(out, "schemaUrl", sc.schema_url);
        });
      }
      out.push_back(']');
      append_string_member(out, "schemaUrl", res.schema_url);
    });
  }
  out.append("]}");
  return out;
}

std::string encode_otlp_json_export_response(int64_t rejected_spans,
                                             std::string_view error_message) {
  if (rejected_spans == 0 && error_message.empty()) return "{}";
  std::string out = "{\"partialSuccess\":";
  append_object(out, [&] {
    if (rejected_spans != 0) {
      out.append(",\"rejectedSpans\":\"");
      json::append_int(out, rejected_spans);
      out.push_back('"');
    }
    append_string_member(out, "errorMessage", error_message);
  });
  out.push_back('}');
  return out;
}

}  // namespace weft::wire
