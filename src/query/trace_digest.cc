#include "query/trace_digest.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "common/status.h"

namespace weft::query {

using namespace weft::model;

TraceDigest digest_trace(const Trace& trace) {
  WEFT_CHECK(!trace.spans.empty());
  TraceDigest d;
  TraceSummary& s = d.summary;
  s.trace_id = trace.trace_id;
  s.start_unix_nano = trace.spans.front().start_time_unix_nano;
  std::unordered_set<SpanId, FixedIdHash> ids;
  for (const Span& span : trace.spans) ids.insert(span.span_id);

  // Root: the earliest span without a parent; failing that, the earliest span.
  const Span* root = nullptr;
  std::map<std::string, ServiceDigest, std::less<>> by_service;
  for (const Span& span : trace.spans) {
    s.start_unix_nano = std::min(s.start_unix_nano, span.start_time_unix_nano);
    s.end_unix_nano = std::max(s.end_unix_nano, span.end_time_unix_nano);
    ++s.span_count;
    if (span.is_error()) ++s.error_count;
    if (!span.is_root() && !ids.contains(span.parent_span_id)) ++d.orphan_span_count;
    // Prefer any root over a non-root; among equals, the earlier start.
    if (!root || (span.is_root() && !root->is_root()) ||
        (span.is_root() == root->is_root() &&
         span.start_time_unix_nano < root->start_time_unix_nano))
      root = &span;
    auto service = span.service_name();
    auto it = by_service.find(service);
    if (it == by_service.end())
      it =
          by_service.emplace(std::string(service), ServiceDigest{std::string(service), 0, 0}).first;
    ++it->second.span_count;
    if (span.is_error()) ++it->second.error_count;
  }
  s.root_service = std::string(root->service_name());
  s.root_name = root->name;
  for (auto& [name, sd] : by_service) {
    s.services.emplace_back(name, sd.span_count);
    d.services.push_back(std::move(sd));
  }
  return d;
}

}  // namespace weft::query
