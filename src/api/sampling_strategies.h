#pragma once
// Remote sampling strategies: the Jaeger collector's `--sampling.strategies-file` JSON
// parsed into one resolved answer per service, as Jaeger's static strategy store resolves
// them (plugin/sampling/strategystore/static). Pure: no I/O, no clock. The file format,
// weft's `per_window` extension and the answers are documented in docs/api.md
// ("GET /api/sampling").
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::api {

// Jaeger's probability for the per-operation default when the service's own strategy is
// not probabilistic (plugin/sampling/strategystore/static/constants.go).
constexpr double kJaegerDefaultSamplingProbability = 0.001;
// Jaeger clients hold maxTracesPerSecond in an i16 (thrift) or int32 (proto); weft keeps
// rates within the smaller.
constexpr double kMaxTracesPerSecond = 32767;

struct OperationStrategy {
  std::string operation;
  double sampling_rate = 1.0;  // operation strategies are probabilistic only (as in Jaeger)
  bool operator==(const OperationStrategy&) const = default;
};

// Jaeger's PerOperationSamplingStrategies.
struct OperationSampling {
  double default_sampling_probability = 1.0;
  double default_lower_bound_traces_per_second = 0;
  std::vector<OperationStrategy> per_operation;  // the service's own first, then the default's
  bool operator==(const OperationSampling&) const = default;
};

// weft's extension: "N traces per W seconds".
struct PerWindow {
  double traces = 0;
  double window_seconds = 1;
  bool operator==(const PerWindow&) const = default;
};

// One SamplingStrategyResponse. Exactly one of the two kinds is meaningful, by `type`.
struct SamplingStrategy {
  enum class Type { kProbabilistic, kRateLimiting };
  Type type = Type::kProbabilistic;
  double sampling_rate = 1.0;           // kProbabilistic, in [0, 1]
  int32_t max_traces_per_second = 0;    // kRateLimiting, in [0, kMaxTracesPerSecond]
  std::optional<PerWindow> per_window;  // set when the file said "per_window" (kRateLimiting)
  std::optional<OperationSampling> operation_sampling;

  bool operator==(const SamplingStrategy&) const = default;
};

// Every service's resolved strategy, and the answer for any other service.
struct SamplingStrategies {
  // weft's default when no file is configured or the file has no "default_strategy":
  // probabilistic 1.0 (sample everything). Jaeger's collector uses 0.001.
  SamplingStrategy default_strategy;
  std::map<std::string, SamplingStrategy, std::less<>> services;
  // Things accepted but not applied, as Jaeger accepts them (a rate-limiting operation
  // strategy, a service listed twice); for the log.
  std::vector<std::string> warnings;

  // The service's strategy, or the default one for a service not listed.
  const SamplingStrategy& lookup(std::string_view service) const;
};

// Parses and validates a strategies file. Errors (INVALID_ARGUMENT) name where the problem
// is and the field: `service_strategies[1] (service "bar"): "param" must be >= 0 ...`.
// Unknown members are ignored.
Result<SamplingStrategies> parse_sampling_strategies(std::string_view json);

}  // namespace weft::api
