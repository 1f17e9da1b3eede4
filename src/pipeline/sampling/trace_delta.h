#pragma once
// One pass over a batch: the per-trace summary of its spans (a "delta"), with the predicate
// bits of the configured policies computed here, so commit() only merges fixed-size records.
#include <utility>
#include <vector>

#include "model/span.h"
#include "sampling/interner.h"
#include "sampling/predicate.h"
#include "sampling/trace_summary.h"

namespace weft::pipeline::sampling {

struct TraceDelta {
  model::TraceId trace_id;
  TraceSummary summary;  // last_arrival / root_arrival / fifo_seq unset: commit fills them
};

// The deltas of `batch`, one per trace in order of first appearance. Interns the root
// span's service and name (and those of each trace's first span in the batch, the fallback
// when the root never arrives).
std::vector<TraceDelta> extract_deltas(const model::SpanBatch& batch,
                                       const PredicateSet& predicates, NameInterner& services,
                                       NameInterner& operations);

}  // namespace weft::pipeline::sampling
