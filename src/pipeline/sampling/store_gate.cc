#include "sampling/store_gate.h"

namespace weft::pipeline::sampling {

TailSamplingGate::TailSamplingGate(std::shared_ptr<TailSampler> sampler)
    : sampler_(std::move(sampler)) {
  sampler_->keep_decisions_for_store();
}

void TailSamplingGate::replayed(const model::SpanBatch& batch) { sampler_->replay(batch); }

void TailSamplingGate::head_frozen() { sampler_->store_head_frozen(); }

TraceGate::Fate TailSamplingGate::fate(const model::TraceId& id, bool force) {
  switch (sampler_->store_fate(id, force)) {
    case TailSampler::StoreFate::kKeep: return Fate::kKeep;
    case TailSampler::StoreFate::kDrop: return Fate::kDrop;
    case TailSampler::StoreFate::kWait: break;
  }
  return Fate::kWait;
}

void TailSamplingGate::head_written() { sampler_->store_head_written(); }

uint64_t TailSamplingGate::max_wait_nanos() const {
  return sampler_->config().decision_wait_ns + 2'000'000'000ULL;
}

}  // namespace weft::pipeline::sampling
