#pragma once
// BatchCutter: slices the generator's stream of traces into request-sized batches.
//
// Contract: batch k holds spans [k*batch_spans, (k+1)*batch_spans) of the stream (traces in
// generation order, each trace's spans in its order), so batches depend only on the
// generator's options and batch_spans. A trace larger than a batch, or straddling a batch
// boundary, continues in the next batch. With a span limit the stream stops after exactly
// that many spans (the last trace may be cut short).
//
// Not thread-safe.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "loadgen/workload.h"

namespace weft::loadgen {

using namespace weft::model;

class BatchCutter {
 public:
  // REQUIRES: batch_spans > 0. max_spans == 0 means no limit.
  BatchCutter(const WorkloadOptions& options, size_t batch_spans, uint64_t max_spans);

  // The next batch into *out (replacing its contents); false once the limit is reached.
  bool next(std::vector<Span>* out);

  uint64_t spans_emitted() const { return emitted_; }
  uint64_t traces_started() const { return generator_.traces_generated(); }

 private:
  WorkloadGenerator generator_;
  size_t batch_spans_;
  uint64_t max_spans_;
  uint64_t emitted_ = 0;
  Trace pending_;          // the trace being cut
  size_t pending_at_ = 0;  // its first span not yet emitted
};

}  // namespace weft::loadgen
