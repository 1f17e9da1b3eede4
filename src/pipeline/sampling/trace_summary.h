#pragma once
// What the sampler remembers of a trace instead of its spans: everything a policy needs,
// updated span by span (memory model: README.md). One TraceSummary per pending trace, and
// one per trace of a batch while it is observed (the batch's delta, merged at commit).
#include <cstdint>
#include <limits>

#include "model/span.h"

namespace weft::pipeline::sampling {

// Status bits: one per model::SpanStatusCode seen on any span of the trace.
inline constexpr uint8_t status_bit(model::SpanStatusCode c) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(c));
}

// At most 64 attribute / trace_state predicates across all configured policies.
inline constexpr size_t kMaxPredicates = 64;

struct TraceSummary {
  uint64_t min_start = std::numeric_limits<uint64_t>::max();  // earliest span start
  uint64_t max_end = 0;                                        // latest span end
  uint64_t predicate_bits = 0;  // bit i: predicate i matched some span or its resource
  uint64_t last_arrival = 0;    // server time the latest span was committed
  uint64_t root_arrival = 0;    // server time the root span was committed; 0: not yet
  uint32_t span_count = 0;
  // Interned root service and operation; before the root arrives, those of the first span
  // seen (so a trace whose root never comes is still attributed to a service).
  uint32_t service_id = 0;
  uint32_t operation_id = 0;
  uint32_t fifo_seq = 0;       // position in the pending table's arrival order
  uint8_t status_bits = 0;     // status_bit() of every status seen
  bool root_seen = false;

  uint64_t duration_nanos() const { return max_end > min_start ? max_end - min_start : 0; }

  // Folds `delta` (the same trace's spans of one later batch) into this summary.
  void merge(const TraceSummary& delta) {
    if (delta.min_start < min_start) min_start = delta.min_start;
    if (delta.max_end > max_end) max_end = delta.max_end;
    predicate_bits |= delta.predicate_bits;
    status_bits |= delta.status_bits;
    span_count += delta.span_count;
    if (delta.root_seen && !root_seen) {
      root_seen = true;
      service_id = delta.service_id;
      operation_id = delta.operation_id;
    } else if (span_count == delta.span_count) {  // first spans of the trace
      service_id = delta.service_id;
      operation_id = delta.operation_id;
    }
  }
};

}  // namespace weft::pipeline::sampling
