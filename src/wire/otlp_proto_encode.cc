// Hand-written encoder: weft::model::Span -> ExportTraceServiceRequest, proto3 style (default
// values omitted). Field numbers: docs/format/otlp.md.
#include <cstring>

#include "wire/otlp_proto.h"
#include "wire/proto_wire.h"
#include "wire/span_grouping.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using namespace proto;  // NOLINT(google-build-using-namespace): wire helpers only

void put_any_value(std::string& out, const AnyValue& v);

void put_key_value(std::string& out, uint32_t field, const KeyValue& kv) {
  size_t m = begin_message(out, field);
  put_bytes_field(out, 1, kv.key);
  if (!kv.value.is_empty()) {
    size_t vm = begin_message(out, 2);
    put_any_value(out, kv.value);
    end_message(out, vm);
  }
  end_message(out, m);
}

void put_attributes(std::string& out, uint32_t field, const KeyValueList& attrs) {
  for (const auto& kv : attrs) put_key_value(out, field, kv);
}

// The body of an AnyValue. The oneof member is written even when it holds its default.
void put_any_value(std::string& out, const AnyValue& v) {
  switch (v.v.index()) {
    case 0:
      break;
    case 1:
      put_bytes_field_always(out, 1, std::get<std::string>(v.v));
      break;
    case 2:
      put_tag(out, 2, WireType::kVarint);
      coding::put_varint64(out, std::get<bool>(v.v) ? 1 : 0);
      break;
    case 3:
      put_tag(out, 3, WireType::kVarint);
      coding::put_varint64(out, static_cast<uint64_t>(std::get<int64_t>(v.v)));
      break;
    case 4: {
      put_tag(out, 4, WireType::kFixed64);
      char buf[8];
      std::memcpy(buf, &std::get<double>(v.v), 8);  // little-endian host
      out.append(buf, 8);
      break;
    }
    case 5:
      put_bytes_field_always(out, 7, std::get<Bytes>(v.v).data);
      break;
    case 6: {
      size_t m = begin_message(out, 5);
      for (const auto& e : std::get<ArrayValue>(v.v)) {
        size_t em = begin_message(out, 1);
        put_any_value(out, e);
        end_message(out, em);
      }
      end_message(out, m);
      break;
    }
    case 7: {
      size_t m = begin_message(out, 6);
      for (const auto& kv : std::get<KeyValueList>(v.v)) put_key_value(out, 1, kv);
      end_message(out, m);
      break;
    }
  }
}

void put_span(std::string& out, const Span& s) {
  size_t m = begin_message(out, 2);  // ScopeSpans.spans
  put_bytes_field_always(out, 1, s.trace_id.as_bytes());
  put_bytes_field_always(out, 2, s.span_id.as_bytes());
  put_bytes_field(out, 3, s.trace_state);
  if (!s.parent_span_id.is_zero()) put_bytes_field(out, 4, s.parent_span_id.as_bytes());
  put_bytes_field(out, 5, s.name);
  put_varint_field(out, 6, static_cast<uint64_t>(s.kind));
  put_fixed64_field(out, 7, s.start_time_unix_nano);
  put_fixed64_field(out, 8, s.end_time_unix_nano);
  put_attributes(out, 9, s.attributes);
  put_varint_field(out, 10, s.dropped_attributes_count);
  for (const auto& e : s.events) {
    size_t em = begin_message(out, 11);
    put_fixed64_field(out, 1, e.time_unix_nano);
    put_bytes_field(out, 2, e.name);
    put_attributes(out, 3, e.attributes);
    put_varint_field(out, 4, e.dropped_attributes_count);
    end_message(out, em);
  }
  put_varint_field(out, 12, s.dropped_events_count);
  for (const auto& l : s.links) {
    size_t lm = begin_message(out, 13);
    put_bytes_field_always(out, 1, l.trace_id.as_bytes());
    put_bytes_field_always(out, 2, l.span_id.as_bytes());
    put_bytes_field(out, 3, l.trace_state);
    put_attributes(out, 4, l.attributes);
    put_varint_field(out, 5, l.dropped_attributes_count);
    put_fixed32_field(out, 6, l.flags);
    end_message(out, lm);
  }
  put_varint_field(out, 14, s.dropped_links_count);
  if (s.status.code != SpanStatusCode::kUnset || !s.status.message.empty()) {
    size_t sm = begin_message(out, 15);
    put_bytes_field(out, 2, s.status.message);
    put_varint_field(out, 3, static_cast<uint64_t>(s.status.code));
    end_message(out, sm);
  }
  put_fixed32_field(out, 16, s.flags & ~kWeftFlagsMask);
  put_bytes_field(out, 1000, s.rpc_id);  // weft extension
  end_message(out, m);
}

}  // namespace

std::string encode_otlp_proto(const std::vector<Span>& spans) {
  std::string out;
  out.reserve(spans.size() * 400 + 256);
  for (const ResourceGroup& rg : group_spans(spans)) {
    size_t rm = begin_message(out, 1);  // ExportTraceServiceRequest.resource_spans
    const Resource& res = *rg.resource;
    if (!res.attributes.empty() || res.dropped_attributes_count) {
      size_t m = begin_message(out, 1);
      put_attributes(out, 1, res.attributes);
      put_varint_field(out, 2, res.dropped_attributes_count);
      end_message(out, m);
    }
    for (const ScopeGroup& sg : rg.scopes) {
      size_t sm = begin_message(out, 2);
      const InstrumentationScope& sc = *sg.scope;
      if (!sc.name.empty() || !sc.version.empty() || !sc.attributes.empty() ||
          sc.dropped_attributes_count) {
        size_t m = begin_message(out, 1);
        put_bytes_field(out, 1, sc.name);
        put_bytes_field(out, 2, sc.version);
        put_attributes(out, 3, sc.attributes);
        put_varint_field(out, 4, sc.dropped_attributes_count);
        end_message(out, m);
      }
      for (const Span* s : sg.spans) put_span(out, *s);
      put_bytes_field(out, 3, sc.schema_url);
      end_message(out, sm);
    }
    put_bytes_field(out, 3, res.schema_url);
    end_message(out, rm);
  }
  return out;
}

std::string encode_otlp_export_response(int64_t rejected_spans, std::string_view error_message) {
  std::string out;
  if (rejected_spans == 0 && error_message.empty()) return out;
  size_t m = begin_message(out, 1);  // partial_success
  put_varint_field(out, 1, static_cast<uint64_t>(rejected_spans));
  put_bytes_field(out, 2, error_message);
  end_message(out, m);
  return out;
}

}  // namespace weft::wire
