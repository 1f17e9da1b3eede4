#pragma once
// Tail sampling's hold on the store (store/trace_gate.h): the store asks, at each cut, what
// becomes of each trace of the frozen head, and the TailSampler answers from its decisions
// (tail_sampler.h, "The store's side"). Made before the store opens, so the spans the store
// replays from its WAL reach the sampler and their traces are decided again.
#include <memory>

#include "sampling/tail_sampler.h"
#include "store/trace_gate.h"

namespace weft::pipeline::sampling {

class TailSamplingGate final : public TraceGate {
 public:
  // Turns on the sampler's decision records for the store.
  explicit TailSamplingGate(std::shared_ptr<TailSampler> sampler);

  void replayed(const model::SpanBatch& batch) override;
  void head_frozen() override;
  Fate fate(const model::TraceId& id, bool force) override;
  void head_written() override;
  // decision_wait (a trace frozen with the head gets no newer span in it) plus two periods
  // of the once-a-second decide() loop.
  uint64_t max_wait_nanos() const override;

 private:
  std::shared_ptr<TailSampler> sampler_;
};

}  // namespace weft::pipeline::sampling
