#pragma once
// Turns a Jaeger remote-sampling strategy (SamplingStrategyResponse as JSON, what
// `GET /api/sampling?service=` returns) into a Sampler:
//
//   "weftPerWindow": {"traces": N, "windowSeconds": W}  -> PerWindowSampler(N, W s)
//   "operationSampling": {...}                            -> PerOperationSampler: one rule
//       per perOperationStrategies entry ({"operation", "probabilisticSampling":
//       {"samplingRate"}}) and defaultSamplingProbability for other operations; when
//       defaultLowerBoundTracesPerSecond > 0 each rule (and the default) also admits that
//       many traces per second that its ratio dropped (Jaeger's guaranteed throughput).
//   strategyType PROBABILISTIC, "probabilisticSampling": {"samplingRate": r}
//                                                         -> TraceIdRatioSampler(r)
//   strategyType RATE_LIMITING, "rateLimitingSampling": {"maxTracesPerSecond": n}
//                                                         -> RateLimitingSampler(n)
//
// checked in that order. strategyType may also be the enum's number (0 probabilistic, 1
// rate limiting, as older Jaeger agents send it) or absent, and snake_case member names
// (strategy_type, sampling_rate, ...) are accepted too. Unknown members are ignored; rates
// are clamped to [0, 1]. The result decides for roots only (wrap it in ParentBasedSampler).
#include <memory>
#include <string>
#include <string_view>

#include "weft/sampler.h"

namespace weft::sampling {

// Null with *error set when the text is not JSON or holds no usable strategy.
std::shared_ptr<Sampler> SamplerFromStrategyJson(std::string_view json, std::string* error);

}  // namespace weft::sampling
