#pragma once
// Drives a load: --concurrency sender threads, each with its own connection, take requests
// from one RequestSource, pace themselves to --rate (spans/s over all threads; 0 = flat
// out), retry retryable answers (Retry-After honoured, capped; else exponential backoff) up
// to --max-retries times, and stop when the source is exhausted or --duration elapsed.
#include <cstdio>

#include "cmd/loadgen/endpoint.h"
#include "cmd/loadgen/load_stats.h"
#include "cmd/loadgen/loadgen_options.h"
#include "cmd/loadgen/request_source.h"
#include "common/status.h"

namespace weft::cmd::loadgen {

// Longest wait a Retry-After may impose on one retry.
inline constexpr uint32_t kMaxRetryAfterMs = 5'000;

// Runs the load to the end, printing a progress line to `progress` every second unless it
// is null. Returns the wall time of the run; UNAVAILABLE if no sender could connect.
Result<double> run_load(const LoadgenOptions& options, const Endpoint& endpoint,
                        RequestSource& source, LoadStats& stats, std::FILE* progress);

}  // namespace weft::cmd::loadgen
