#pragma once
// Head: the recent spans, in memory, grouped by trace, with the indexes search needs.
// Spans are held as compact records (span_record.h: ~150 bytes for a reference-workload
// span) whose names and repeated values point into the head's HeadTables.
//
// Spans join their trace whenever they arrive (late spans included); a span whose ID the
// trace already holds (a retried request) is dropped. Memory is bounded: when the
// approximate size passes the budget, whole traces are evicted oldest-arrival first. The
// head also counts, per WAL segment, how many live traces have spans in it, so the store
// can delete segments nothing live needs (take_dead_segments).
//
// Thread-safety: apply() and take_dead_segments() are called by one writer at a time and
// take the exclusive lock; every query takes the shared lock and may run concurrently
// with the others.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/query.h"
#include "model/span.h"
#include "store/block/block_meta.h"
#include "store/head/head_index.h"
#include "store/head/head_tables.h"
#include "store/head/trace_entry.h"

namespace weft::store {

using namespace weft::model;

struct HeadStats {
  uint64_t spans = 0;
  uint64_t traces = 0;
  uint64_t bytes = 0;
  uint64_t budget_bytes = 0;
  uint64_t evicted_traces = 0;
  uint64_t evicted_spans = 0;
  uint64_t duplicate_spans = 0;
};

// Asked once for each trace the head sees for the first time: true if another source (an
// older head or a block) may already hold spans of it. Such a trace is "split": queries
// evaluate it whole (docs/format/block.md, "Split traces").
using SplitProbe = std::function<bool(const TraceId&)>;

class Head {
 public:
  explicit Head(uint64_t budget_bytes) : budget_(budget_bytes) {}
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Adds the spans of `batches` (moved from), all stored in WAL segment `segment`, then
  // evicts to the budget. `probe` (may be null) marks the new traces that are split; it is
  // called with the head's lock held and must not call back into this head.
  void apply(std::vector<SpanBatch>& batches, uint64_t segment, const SplitProbe* probe = nullptr);
  // Makes `segment` known with no live trace yet (recovery: a segment whose records were
  // all damaged or duplicates is then reported dead).
  void note_segment(uint64_t segment);
  // Segments older than `active_segment` that no live trace has spans in; forgets them.
  std::vector<uint64_t> take_dead_segments(uint64_t active_segment);

  std::optional<Trace> get_trace(const TraceId& id) const;
  bool has_trace(const TraceId& id) const;
  // The traces the probe marked split (unordered), with their start here; and one such
  // test.
  std::vector<SplitTrace> split_traces() const;
  bool is_split(const TraceId& id) const;
  // Every trace ID held, in the order a block stores them: ascending (trace start, ID).
  std::vector<TraceId> trace_ids_in_block_order() const;
  // model/query.h semantics (see search.cc); query.limit == 0 means no limit.
  std::vector<TraceSummary> search(const TraceQuery& query) const;
  // False only if the indexes prove no span here satisfies the query's anchor or any one of
  // its tags (BlockReader::may_match).
  bool may_match(const TraceQuery& query) const;
  std::vector<std::string> services() const;
  std::vector<OperationInfo> operations(const std::string& service) const;
  std::vector<std::string> attribute_keys() const;
  std::vector<std::string> attribute_values(const std::string& key, size_t limit) const;
  HeadStats stats() const;

 private:
  // REQUIRES: mu_ held exclusively.
  void add_span(const Span& span, uint64_t segment, const SplitProbe* probe);
  // REQUIRES: mu_ held exclusively. Brings the time indexes up to date for the traces
  // add_span touched since the last call; must run before evict_oldest or unlocking.
  void reindex_touched();
  // REQUIRES: mu_ held exclusively, !arrival_.empty(). Returns the evicted trace.
  std::unique_ptr<TraceEntry> evict_oldest();

  const uint64_t budget_;
  mutable std::shared_mutex mu_;
  // All below GUARDED_BY(mu_).
  std::unordered_map<TraceId, std::unique_ptr<TraceEntry>, FixedIdHash> traces_;
  std::deque<TraceId> arrival_;  // first-arrival order; front = next to evict
  HeadIndex index_;
  HeadTables tables_;
  const Resource* last_indexed_resource_ = nullptr;  // apply(): resource terms indexed last
  // Traces add_span touched in the current batch, with how the time indexes hold them.
  struct Touched {
    TraceEntry* entry;
    bool indexed;  // in the time indexes (keyed by old_start), i.e. not new
    uint64_t old_start;
  };
  std::vector<Touched> touched_;
  // Services that appeared in an already indexed trace in the current batch (name views
  // into tables_).
  std::vector<std::pair<TraceEntry*, std::string_view>> new_services_;
  std::map<uint64_t, uint64_t> segment_refs_;       // segment -> live traces with spans in it
  std::unordered_set<TraceId, FixedIdHash> split_;  // held traces other sources may share
  HeadStats stats_;
};

}  // namespace weft::store
