#pragma once
// The processor interface of the pipeline (DESIGN.md §3): what sits between the receivers
// and the store. A new processor is one class implementing Processor, added to the chain
// in pipeline.h; nothing else changes.
//
// Contract. For every batch a receiver accepted, Pipeline::write() calls observe() on each
// processor once, in chain order, on the receiver's thread, before the batch is written;
// observe() reads the spans (one pass) and returns what it would record as an Observation.
// Only when the store acknowledges the batch (durable) is each Observation committed; when
// the store refuses it (the client will retry) the Observations are discarded, so a retried
// batch is counted once. observe() and commit() run concurrently from many threads, must
// not block (no I/O, no waiting on a lock held across I/O) and must bound their memory.
#include <memory>
#include <string_view>

#include "model/span.h"

namespace weft::pipeline {

// What a processor makes of one batch, applied once the batch is durable.
class Observation {
 public:
  virtual ~Observation() = default;
  // Applies the observation. Called at most once, on a store thread; must not block.
  virtual void commit() = 0;
};

class Processor {
 public:
  virtual ~Processor() = default;
  // A short name for logs and metrics labels ("red_metrics", "service_graph").
  virtual std::string_view name() const = 0;
  // Reads `batch` once; returns what to record once it is durable, or nullptr for nothing.
  virtual std::unique_ptr<Observation> observe(const model::SpanBatch& batch) = 0;
};

}  // namespace weft::pipeline
