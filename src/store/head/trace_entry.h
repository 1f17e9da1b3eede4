#pragma once
// One trace held by the head: its spans as compact records (span_record.h) in arrival
// order, and what search needs without looking at them (time range, counts, services).
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
#include "store/head/head_tables.h"
#include "store/head/span_record.h"

namespace weft::store {

using namespace weft::model;

struct TraceEntry {
  TraceId id;
  std::string records;            // span records, back to back, arrival order
  std::vector<uint32_t> offsets;  // where each record starts; records.size() ends the last
  // Span IDs for duplicate detection, built once the trace outgrows a linear scan.
  std::unique_ptr<std::unordered_set<SpanId, FixedIdHash>> span_ids;
  uint64_t start = UINT64_MAX;  // earliest span start
  uint64_t end = 0;             // latest span end
  uint32_t error_count = 0;
  uint32_t touched_slot = 0;  // Head: 1 + index in its touched traces, 0 if not listed
  // (service name id, spans) sorted by id; names in the head's tables.
  std::vector<std::pair<uint32_t, uint32_t>> services;
  std::vector<uint64_t> segments;  // WAL segments holding its spans, ascending
  uint64_t bytes = 0;              // charged against the head budget

  uint64_t duration() const { return end > start ? end - start : 0; }
  uint32_t span_count() const { return static_cast<uint32_t>(offsets.size()); }
  std::string_view record(size_t i) const {
    const size_t e = i + 1 < offsets.size() ? offsets[i + 1] : records.size();
    return std::string_view(records).substr(offsets[i], e - offsets[i]);
  }
  bool has_span(const SpanId& id) const;
  // REQUIRES: !has_span(span.span_id). Encodes the span into the trace. Returns the
  // service name id if the span's service is new to the trace.
  std::optional<uint32_t> add_span(const Span& span, HeadTables& tables);
  // Record views of every span (arrival order) into `out`.
  void views(std::vector<SpanRecordView>* out) const;
  // Every span, decoded, sorted by (start, span ID).
  std::vector<Span> decode(const HeadTables& tables) const;
  // The summary search returns; the root is the earliest span without a parent (or the
  // earliest span if none is a root).
  TraceSummary summary(const HeadTables& tables) const;
};

// The search summary of a whole trace (spans from any source), by the same rules.
TraceSummary summarize_trace(const Trace& trace);

}  // namespace weft::store
