#pragma once
// GET /api/sampling?service=NAME: Jaeger's remote sampling endpoint, as the Jaeger agent
// (port 5778, /sampling) and collector (/api/sampling) answer it, so Jaeger and
// OpenTelemetry remote samplers can poll weft. The answer is a SamplingStrategyResponse
// in camelCase JSON (jaeger-idl proto/api_v2/sampling.proto); errors use the Jaeger API's
// envelope. Documented in docs/api.md.
#include <string>

#include "api/route_util.h"
#include "api/sampling_file.h"
#include "api/sampling_strategies.h"

namespace weft::api {

// `file` may be null: then every service is answered with weft's default strategy
// (probabilistic 1.0). REQUIRES: `file`, when given, outlives the call.
RouteResult route_sampling(SamplingStrategiesFile* file, const http::Request& req);

// One strategy as Jaeger's SamplingStrategyResponse JSON, e.g.
// {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}}.
// A per_window strategy adds "weftPerWindow":{"traces":N,"windowSeconds":W}.
std::string render_sampling_strategy(const SamplingStrategy& s);

}  // namespace weft::api
