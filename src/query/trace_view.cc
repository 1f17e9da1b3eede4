#include "query/trace_view.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace weft::query {

using namespace weft::model;

namespace {

TracePart whole_figures(const Trace& trace) {
  TracePart p;
  p.spans.trace_id = trace.trace_id;
  p.total_spans = trace.spans.size();
  p.start_unix_nano = UINT64_MAX;
  for (const Span& s : trace.spans) {
    p.start_unix_nano = std::min(p.start_unix_nano, s.start_time_unix_nano);
    p.end_unix_nano = std::max(p.end_unix_nano, s.end_time_unix_nano);
  }
  if (trace.spans.empty()) p.start_unix_nano = 0;
  return p;
}

}  // namespace

TracePart trace_page(Trace&& trace, uint64_t offset, uint64_t limit) {
  TracePart p = whole_figures(trace);
  p.offset = std::min<uint64_t>(offset, trace.spans.size());
  // offset + limit would overflow for "no limit" (UINT64_MAX).
  const uint64_t end = p.offset + std::min<uint64_t>(limit, trace.spans.size() - p.offset);
  p.spans.spans.assign(std::make_move_iterator(trace.spans.begin() + p.offset),
                       std::make_move_iterator(trace.spans.begin() + end));
  if (end < trace.spans.size()) p.next_offset = end;
  return p;
}

Result<TracePart> trace_subtree(Trace&& trace, const SpanId& root, uint32_t depth) {
  TracePart p = whole_figures(trace);
  std::unordered_multimap<SpanId, size_t, FixedIdHash> children;
  std::optional<size_t> root_index;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    const Span& s = trace.spans[i];
    if (s.span_id == root && !root_index) root_index = i;
    if (!s.is_root()) children.emplace(s.parent_span_id, i);
  }
  if (!root_index)
    return not_found("span " + root.to_hex() + " is not in trace " + trace.trace_id.to_hex());
  std::vector<bool> keep(trace.spans.size(), false);
  std::vector<std::pair<size_t, uint32_t>> todo{{*root_index, 0}};
  keep[*root_index] = true;
  while (!todo.empty()) {
    auto [i, level] = todo.back();
    todo.pop_back();
    if (level >= depth) continue;
    auto [b, e] = children.equal_range(trace.spans[i].span_id);
    for (auto it = b; it != e; ++it) {
      if (keep[it->second]) continue;  // a cycle in bad data
      keep[it->second] = true;
      todo.emplace_back(it->second, level + 1);
    }
  }
  for (size_t i = 0; i < trace.spans.size(); ++i)
    if (keep[i]) p.spans.spans.push_back(std::move(trace.spans[i]));
  return p;
}

}  // namespace weft::query
