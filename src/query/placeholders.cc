#include "query/placeholders.h"

#include <string>
#include <unordered_map>
#include <utility>

namespace weft::query {

using namespace weft::model;

namespace {

bool is_placeholder(const Span& s) {
  const AnyValue* v = find_attribute(s.attributes, "weft.placeholder");
  return v && v->as_bool() && *v->as_bool();
}

}  // namespace

size_t resolve_placeholders(Trace* trace) {
  auto& spans = trace->spans;
  // Cheap first pass: most traces have no placeholder at all.
  bool any = false;
  for (const Span& s : spans)
    if (!s.rpc_id.empty() && is_placeholder(s)) {
      any = true;
      break;
    }
  if (!any) return 0;

  auto key = [](const Span& s) {
    return std::to_string(static_cast<int>(s.kind)) + ' ' + s.rpc_id;
  };
  std::unordered_map<std::string, SpanId> real;
  for (const Span& s : spans)
    if (!s.rpc_id.empty() && !is_placeholder(s)) real.emplace(key(s), s.span_id);
  std::unordered_map<SpanId, SpanId, FixedIdHash> replaced;  // placeholder -> real span
  for (const Span& s : spans) {
    if (s.rpc_id.empty() || !is_placeholder(s)) continue;
    if (auto it = real.find(key(s)); it != real.end() && it->second != s.span_id)
      replaced.emplace(s.span_id, it->second);
  }
  if (replaced.empty()) return 0;
  size_t kept = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (replaced.contains(spans[i].span_id)) continue;
    if (auto it = replaced.find(spans[i].parent_span_id); it != replaced.end())
      spans[i].parent_span_id = it->second;
    if (kept != i) spans[kept] = std::move(spans[i]);
    ++kept;
  }
  const size_t removed = spans.size() - kept;
  spans.resize(kept);
  return removed;
}

}  // namespace weft::query
