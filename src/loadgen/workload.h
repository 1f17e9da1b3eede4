#pragma once
// WorkloadGenerator: the reference workload of shared/WORKLOAD.md as a stream of traces.
//
// Determinism contract: two generators built with equal WorkloadOptions return equal
// traces, call for call (same IDs, times, attributes, in the same order), on any platform.
// Resources are shared: every span of one (service, host) points at the same Resource.
//
// Not thread-safe; use one generator per thread or guard it.
#include <cstdint>
#include <vector>

#include "loadgen/prng.h"
#include "model/span.h"

namespace weft::loadgen {

using namespace weft::model;

struct WorkloadOptions {
  uint64_t seed = 1;
  // Trace start times are uniform over [start_unix_nano, start_unix_nano + window_nanos).
  uint64_t start_unix_nano = 1'700'000'000'000'000'000ULL;
  uint64_t window_nanos = 600'000'000'000ULL;  // 10 minutes
  // The reference proportions, per million traces; tests and experiments may change them.
  uint32_t large_trace_ppm = 1'000;   // 1,000..5,000 spans instead of geometric(mean 10)
  uint32_t error_trace_ppm = 20'000;  // one span fails (ERROR + exception event)
  uint32_t slow_trace_ppm = 10'000;   // one span 10-50x slower, feature.flag=new-pricing
};

class WorkloadGenerator {
 public:
  explicit WorkloadGenerator(const WorkloadOptions& options);

  // The next trace, spans sorted by start time then span ID (as model Trace promises).
  // Every span but CONSUMER spans has its parent in the same trace and lies within it in
  // time; a CONSUMER span has no parent and one link to its PRODUCER in the same trace.
  Trace next_trace();

  uint64_t traces_generated() const { return traces_; }

 private:
  WorkloadOptions options_;
  Prng rng_;
  uint64_t traces_ = 0;
};

}  // namespace weft::loadgen
