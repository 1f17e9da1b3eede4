#include "store/head/span_match.h"

#include <cctype>

namespace weft::store {

using namespace weft::model;

namespace {

bool value_equals(const AnyValue& v, std::string_view want) {
  if (const std::string* s = v.as_string()) return *s == want;
  return v.to_string() == want;
}

bool list_has(const KeyValueList& attrs, std::string_view key, std::string_view value) {
  for (const KeyValue& kv : attrs)
    if (kv.key == key && value_equals(kv.value, value)) return true;
  return false;
}

}  // namespace

bool status_code_matches(std::string_view value, SpanStatusCode code) {
  const std::string_view name = code == SpanStatusCode::kOk      ? "ok"
                                : code == SpanStatusCode::kError ? "error"
                                                                 : "unset";
  if (value.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != name[i]) return false;
  return true;
}

bool is_pseudo_tag(std::string_view key) {
  return key == "error" || key == "span.kind" || key == "status.code";
}

bool span_has_tag(const Span& span, std::string_view key, std::string_view value) {
  if (key == "error" && value == "true" && span.is_error()) return true;
  if (key == "span.kind") {
    SpanKind k;
    if (parse_span_kind(value, &k) && k == span.kind) return true;
  }
  if (key == "status.code" && status_code_matches(value, span.status.code)) return true;
  if (list_has(span.attributes, key, value)) return true;
  if (span.resource && list_has(span.resource->attributes, key, value)) return true;
  for (const SpanEvent& e : span.events)
    if (list_has(e.attributes, key, value)) return true;
  return false;
}

bool query_has_anchor(const TraceQuery& q) {
  return !q.service.empty() || !q.operation.empty() || q.span_kind.has_value() ||
         q.duration_of_span;
}

bool span_is_anchor(const Span& span, const TraceQuery& q) {
  if (!q.service.empty() && span.service_name() != q.service) return false;
  if (!q.operation.empty() && span.name != q.operation) return false;
  if (q.span_kind && span.kind != *q.span_kind) return false;
  if (q.duration_of_span) {
    uint64_t d = span.duration_nanos();
    if (q.min_duration_nanos && d < *q.min_duration_nanos) return false;
    if (q.max_duration_nanos && d > *q.max_duration_nanos) return false;
  }
  return true;
}

bool spans_match(const std::vector<Span>& spans, uint64_t trace_duration, const TraceQuery& q) {
  if (!q.duration_of_span) {
    if (q.min_duration_nanos && trace_duration < *q.min_duration_nanos) return false;
    if (q.max_duration_nanos && trace_duration > *q.max_duration_nanos) return false;
  }
  if (query_has_anchor(q)) {
    bool found = false;
    for (const Span& s : spans)
      if ((found = span_is_anchor(s, q))) break;
    if (!found) return false;
  }
  for (const TagCondition& tag : q.tags) {
    bool found = false;
    for (const Span& s : spans)
      if ((found = span_has_tag(s, tag.key, tag.value))) break;
    if (!found) return false;
  }
  return true;
}

}  // namespace weft::store
