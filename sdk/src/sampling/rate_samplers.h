#pragma once
// Construction of the time-based samplers with an injectable clock, for tests. The public
// RateLimitingSampler and PerWindowSampler use SteadyNanos.
#include <chrono>
#include <cstdint>
#include <memory>

#include "weft/sampler.h"

namespace weft::sampling {

// Monotonic nanoseconds. Must never go backwards.
using NanoClock = int64_t (*)();
// CLOCK_MONOTONIC_COARSE in nanoseconds (cheap; tick resolution).
int64_t SteadyNanos();

std::shared_ptr<Sampler> MakeRateLimitingSampler(double traces_per_second, NanoClock clock);
std::shared_ptr<Sampler> MakePerWindowSampler(uint32_t n, std::chrono::nanoseconds window,
                                              NanoClock clock);

}  // namespace weft::sampling
