#include "store/head/trace_entry.h"

#include <algorithm>

namespace weft::store {
namespace {
constexpr size_t kLinearScanLimit = 32;
}

bool TraceEntry::has_span(const SpanId& id) const {
  if (span_ids) return span_ids->contains(id);
  for (const Span& s : spans)
    if (s.span_id == id) return true;
  return false;
}

bool TraceEntry::add_span(Span span) {
  start = std::min(start, span.start_time_unix_nano);
  end = std::max(end, std::max(span.end_time_unix_nano, span.start_time_unix_nano));
  if (span.is_error()) ++error_count;
  std::string_view svc = span.service_name();
  auto it = std::lower_bound(services.begin(), services.end(), svc,
                             [](const auto& e, std::string_view s) { return e.first < s; });
  const bool new_service = it == services.end() || it->first != svc;
  if (new_service)
    services.emplace(it, std::string(svc), 1);
  else
    ++it->second;
  if (span_ids) {
    span_ids->insert(span.span_id);
  } else if (spans.size() + 1 > kLinearScanLimit) {
    span_ids = std::make_unique<std::unordered_set<SpanId, FixedIdHash>>();
    for (const Span& s : spans) span_ids->insert(s.span_id);
    span_ids->insert(span.span_id);
  }
  spans.push_back(std::move(span));
  return new_service;
}

TraceSummary TraceEntry::summary() const {
  TraceSummary out;
  out.trace_id = id;
  out.start_unix_nano = start;
  out.end_unix_nano = end;
  out.span_count = static_cast<uint32_t>(spans.size());
  out.error_count = error_count;
  out.services = services;
  const Span* root = nullptr;
  auto earlier = [](const Span* a, const Span& b) {
    return !a || b.start_time_unix_nano < a->start_time_unix_nano ||
           (b.start_time_unix_nano == a->start_time_unix_nano && b.span_id < a->span_id);
  };
  for (const Span& s : spans)
    if (s.is_root() && earlier(root, s)) root = &s;
  if (!root)
    for (const Span& s : spans)
      if (earlier(root, s)) root = &s;
  if (root) {
    out.root_service = std::string(root->service_name());
    out.root_name = root->name;
  }
  return out;
}

TraceSummary summarize_trace(const Trace& trace) {
  TraceEntry e;
  e.id = trace.trace_id;
  for (const Span& s : trace.spans) e.add_span(s);
  return e.summary();
}

}  // namespace weft::store
