#include "metrics/red_processor.h"

#include <array>
#include <cstdint>
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
  agg.reserve(batch.spans.size());
  // Spans of one resource share its pointer: look service.name up (and hash it) once per
  // resource of the batch, through a small direct-mapped cache keyed by the pointer (the
  // batch holds its resources, so a pointer names one resource throughout; a collision just
  // looks again). Spans of one trace alternate between services: a cache of the last
  // resource alone would look up nearly every span.
  struct CachedService {
    const model::Resource* resource = nullptr;
    std::string_view service;
    size_t hash = 0;
  };
  std::array<CachedService, 64> services{};
  const model::Resource* resource = nullptr;
  std::string_view service;
  size_t service_hash = 0;
  const size_t n = batch.spans.size();
  for (size_t k = 0; k < n; ++k) {
    // The names are elsewhere on the heap: start loading a few spans ahead.
    constexpr size_t kAhead = 4;
    if (k + kAhead < n) __builtin_prefetch(batch.spans[k + kAhead].name.data());
    const model::Span& s = batch.spans[k];
    if (s.resource.get() != resource || resource == nullptr) {
      resource = s.resource.get();
      if (resource == nullptr) [[unlikely]] {
        service = s.service_name();
        service_hash = hash_name(service);
      } else {
        CachedService& c =
            services[(reinterpret_cast<uintptr_t>(resource) >> 4) % services.size()];
        if (c.resource != resource) {
          c.resource = resource;
          c.service = s.service_name();
          c.hash = hash_name(c.service);
        }
        service = c.service;
        service_hash = c.hash;
      }
    }
    agg.add_span_hashed(service, service_hash, s.name, s.kind, s.is_error(), s.end_time_unix_nano,
                        s.duration_nanos(), s.trace_id);
  }
  if (agg.empty()) return nullptr;
  return std::make_unique<RedObservation>(store_, std::move(agg));
}

}  // namespace weft::pipeline::metrics
