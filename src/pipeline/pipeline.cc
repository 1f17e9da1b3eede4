#include "pipeline/pipeline.h"

#include <utility>

namespace weft::pipeline {

Pipeline::Pipeline(SpanSink& next, std::vector<std::unique_ptr<Processor>> processors)
    : next_(next), processors_(std::move(processors)) {}

void Pipeline::write(model::SpanBatch batch, std::function<void(Status)> done) {
  if (processors_.empty() || batch.spans.empty()) {
    next_.write(std::move(batch), std::move(done));
    return;
  }
  // std::function needs a copyable callable: the observations ride in a shared vector.
  auto observations = std::make_shared<std::vector<std::unique_ptr<Observation>>>();
  observations->reserve(processors_.size());
  for (auto& p : processors_)
    if (auto o = p->observe(batch)) observations->push_back(std::move(o));
  if (observations->empty()) {
    next_.write(std::move(batch), std::move(done));
    return;
  }
  next_.write(std::move(batch), [observations, done = std::move(done)](Status s) {
    if (s.is_ok())
      for (auto& o : *observations) o->commit();
    done(std::move(s));
  });
}

}  // namespace weft::pipeline
