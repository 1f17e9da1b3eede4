#pragma once
// The pipeline as the receivers see it: a SpanSink that shows every accepted batch to its
// processors (processor.h) and hands it on to the next sink (the store). Observations are
// committed only once the next sink acknowledges the batch, so what the processors record
// is exactly what is durable: a batch refused with 429/503 and retried is counted once.
#include <memory>
#include <vector>

#include "pipeline/processor.h"
#include "store/store.h"

namespace weft::pipeline {

class Pipeline : public SpanSink {
 public:
  // `next` must outlive the pipeline. Processors run in the order given.
  Pipeline(SpanSink& next, std::vector<std::unique_ptr<Processor>> processors);

  void write(model::SpanBatch batch, std::function<void(Status)> done) override;

  const std::vector<std::unique_ptr<Processor>>& processors() const { return processors_; }

 private:
  SpanSink& next_;
  std::vector<std::unique_ptr<Processor>> processors_;
};

}  // namespace weft::pipeline
