#pragma once
// One trace held by the head: its spans in arrival order and what search needs without
// looking at them (time range, counts, services).
//
// Thread-safety: none of its own; guarded by the Head's lock.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/query.h"
#include "model/span.h"

namespace weft::store {

struct TraceEntry {
  TraceId id;
  std::vector<Span> spans;  // arrival order; duplicates (same span ID) are kept once
  // Span IDs for duplicate detection, built once the trace outgrows a linear scan.
  std::unique_ptr<std::unordered_set<SpanId, FixedIdHash>> span_ids;
  uint64_t start = UINT64_MAX;  // earliest span start
  uint64_t end = 0;             // latest span end
  uint32_t error_count = 0;
  uint32_t touched_slot = 0;  // Head: 1 + index in its touched traces, 0 if not listed
  std::vector<std::pair<std::string, uint32_t>> services;  // sorted by name
  std::vector<uint64_t> segments;  // WAL segments holding its spans, ascending
  uint64_t bytes = 0;              // charged against the head budget

  uint64_t duration() const { return end > start ? end - start : 0; }
  bool has_span(const SpanId& id) const;
  // REQUIRES: !has_span(span.span_id). True if the span's service is new to the trace.
  bool add_span(Span span);
  // The span summary search returns; the root is the earliest span without a parent
  // (or the earliest span if none is a root).
  TraceSummary summary() const;
};

// The search summary of a whole trace (spans from any source), as TraceEntry computes it.
TraceSummary summarize_trace(const Trace& trace);

}  // namespace weft::store
