#include "sampling/trace_delta.h"

#include <unordered_map>

namespace weft::pipeline::sampling {

using namespace weft::model;

std::vector<TraceDelta> extract_deltas(const SpanBatch& batch, const PredicateSet& predicates,
                                       NameInterner& services, NameInterner& operations) {
  std::vector<TraceDelta> deltas;
  std::unordered_map<TraceId, size_t, FixedIdHash> index;
  size_t last = SIZE_MAX;  // spans of one trace usually come together: skip the lookup
  const Resource* last_resource = nullptr;
  uint64_t resource_bits = 0;
  for (const Span& span : batch.spans) {
    if (last == SIZE_MAX || !(deltas[last].trace_id == span.trace_id)) {
      auto [it, added] = index.try_emplace(span.trace_id, deltas.size());
      if (added) deltas.push_back(TraceDelta{span.trace_id, {}});
      last = it->second;
    }
    TraceSummary& s = deltas[last].summary;
    const bool first = s.span_count == 0;
    ++s.span_count;
    if (span.start_time_unix_nano < s.min_start) s.min_start = span.start_time_unix_nano;
    if (span.end_time_unix_nano > s.max_end) s.max_end = span.end_time_unix_nano;
    s.status_bits |= status_bit(span.status.code);
    if (!predicates.empty()) {
      if (span.resource.get() != last_resource) {
        last_resource = span.resource.get();
        resource_bits = last_resource ? predicates.resource_bits(*last_resource) : 0;
      }
      s.predicate_bits |= resource_bits;
      s.predicate_bits |= predicates.span_bits(span, s.predicate_bits);
    }
    const bool root = span.is_root();
    if ((root && !s.root_seen) || (first && !s.root_seen)) {
      s.service_id = services.intern(span.service_name());
      s.operation_id = operations.intern(span.name);
      s.root_seen = root;
    }
  }
  return deltas;
}

}  // namespace weft::pipeline::sampling
