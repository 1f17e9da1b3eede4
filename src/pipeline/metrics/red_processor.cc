#include "metrics/red_processor.h"

#include <utility>

#include "metrics/batch_aggregate.h"

namespace weft::pipeline::metrics {
namespace {

class RedObservation : public Observation {
 public:
  RedObservation(MetricsStore& store, BatchAggregate agg) : store_(store), agg_(std::move(agg)) {}
  void commit() override { store_.record(agg_); }

 private:
  MetricsStore& store_;
  BatchAggregate agg_;
};

}  // namespace

std::unique_ptr<Observation> RedProcessor::observe(const model::SpanBatch& batch) {
  BatchAggregate agg;
  // Spans of one resource share its pointer: look service.name up once per run of them.
  const model::Resource* resource = nullptr;
  std::string_view service;
  for (const model::Span& s : batch.spans) {
    if (s.resource.get() != resource || resource == nullptr) {
      resource = s.resource.get();
      service = s.service_name();
    }
    agg.add_span(service, s.name, s.kind, s.is_error(), s.end_time_unix_nano, s.duration_nanos(),
                 s.trace_id);
  }
  if (agg.empty()) return nullptr;
  return std::make_unique<RedObservation>(store_, std::move(agg));
}

}  // namespace weft::pipeline::metrics
