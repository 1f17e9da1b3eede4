#include "model/span.h"

#include <cctype>

namespace weft::model {

const char* span_kind_name(SpanKind k) {
  switch (k) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

bool parse_span_kind(std::string_view s, SpanKind* out) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("span_kind_", 0) == 0) lower = lower.substr(10);
  for (int i = 0; i <= 5; ++i) {
    auto k = static_cast<SpanKind>(i);
    if (lower == span_kind_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

std::string_view Resource::service_name() const {
  const AnyValue* v = find_attribute(attributes, "service.name");
  if (v && v->as_string() && !v->as_string()->empty()) return *v->as_string();
  return "unknown_service";
}

std::string_view Span::service_name() const {
  return resource ? resource->service_name() : std::string_view("unknown_service");
}

static bool same_ptr_value(const auto& a, const auto& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return *a == *b;
}

bool same_span(const Span& a, const Span& b) {
  return a.trace_id == b.trace_id && a.span_id == b.span_id &&
         a.parent_span_id == b.parent_span_id && a.trace_state == b.trace_state &&
         a.flags == b.flags && a.name == b.name && a.kind == b.kind &&
         a.start_time_unix_nano == b.start_time_unix_nano &&
         a.end_time_unix_nano == b.end_time_unix_nano && a.attributes == b.attributes &&
         a.dropped_attributes_count == b.dropped_attributes_count && a.events == b.events &&
         a.dropped_events_count == b.dropped_events_count && a.links == b.links &&
         a.dropped_links_count == b.dropped_links_count && a.status == b.status &&
         a.rpc_id == b.rpc_id && same_ptr_value(a.resource, b.resource) &&
         same_ptr_value(a.scope, b.scope);
}

size_t approx_bytes(const Span& s) {
  size_t n = sizeof(Span) + s.trace_state.capacity() + s.name.capacity() +
             s.status.message.capacity() + s.rpc_id.capacity() + approx_bytes(s.attributes);
  for (const auto& e : s.events)
    n += sizeof(SpanEvent) + e.name.capacity() + approx_bytes(e.attributes);
  for (const auto& l : s.links)
    n += sizeof(SpanLink) + l.trace_state.capacity() + approx_bytes(l.attributes);
  return n;
}

}  // namespace weft::model
