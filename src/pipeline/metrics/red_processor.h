#pragma once
// The "red_metrics" processor: RED figures of every span, before any sampling. observe()
// pre-aggregates the batch per span series (service.name, span name, span kind, error or
// not) and 10-second bucket, off every lock; the Observation's commit() merges that into
// the MetricsStore once the batch is durable (a refused batch records nothing, so a retried
// one counts once).
#include <memory>
#include <string_view>

#include "metrics/metrics_store.h"
#include "pipeline/processor.h"

namespace weft::pipeline::metrics {

class RedProcessor : public Processor {
 public:
  // REQUIRES: `store` outlives the processor and every Observation it returned.
  explicit RedProcessor(MetricsStore& store) : store_(store) {}

  std::string_view name() const override { return "red_metrics"; }
  std::unique_ptr<Observation> observe(const model::SpanBatch& batch) override;

 private:
  MetricsStore& store_;
};

}  // namespace weft::pipeline::metrics
