#pragma once
// --sampler / --sampler-arg, named like OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG:
//   always_on, always_off, traceidratio (arg: ratio), parentbased_always_on (default),
//   parentbased_always_off, parentbased_traceidratio (arg: ratio),
//   ratelimiting / parentbased_ratelimiting (arg: traces per second; weft's),
//   jaeger_remote / parentbased_jaeger_remote (arg: "endpoint=URL,pollingIntervalMs=N,
//   initialSamplingRate=R", OpenTelemetry's form).
// --sampling-url URL (weft serve's query port, e.g. http://127.0.0.1:16686) makes the root
// decision remote — polled from GET URL/api/sampling?service=NAME — with the named sampler
// deciding until the first poll answers; parent-based samplers still follow the parent.
#include <memory>
#include <string>
#include <string_view>

#include "weft/sampler.h"

namespace weft::sidecar {

std::shared_ptr<Sampler> MakeSampler(std::string_view name, std::string_view arg,
                                     const std::string& sampling_url, const std::string& service,
                                     std::string* error);

}  // namespace weft::sidecar
