#include "api/sampling_api.h"

#include "api/json_writer.h"

namespace weft::api {

std::string render_sampling_strategy(const SamplingStrategy& s) {
  JsonWriter w;
  w.begin_object();
  if (s.type == SamplingStrategy::Type::kProbabilistic) {
    w.kv("strategyType", "PROBABILISTIC")
        .key("probabilisticSampling")
        .begin_object()
        .key("samplingRate")
        .dbl(s.sampling_rate)
        .end_object();
  } else {
    w.kv("strategyType", "RATE_LIMITING")
        .key("rateLimitingSampling")
        .begin_object()
        .kv_i64("maxTracesPerSecond", s.max_traces_per_second)
        .end_object();
  }
  if (const auto& o = s.operation_sampling) {
    w.key("operationSampling")
        .begin_object()
        .key("defaultSamplingProbability")
        .dbl(o->default_sampling_probability)
        .key("defaultLowerBoundTracesPerSecond")
        .dbl(o->default_lower_bound_traces_per_second)
        .key("perOperationStrategies")
        .begin_array();
    for (const OperationStrategy& op : o->per_operation) {
      w.begin_object()
          .kv("operation", op.operation)
          .key("probabilisticSampling")
          .begin_object()
          .key("samplingRate")
          .dbl(op.sampling_rate)
          .end_object()
          .end_object();
    }
    w.end_array().end_object();
  }
  if (const auto& p = s.per_window) {
    w.key("weftPerWindow")
        .begin_object()
        .key("traces")
        .dbl(p->traces)
        .key("windowSeconds")
        .dbl(p->window_seconds)
        .end_object();
  }
  w.end_object();
  return w.take();
}

RouteResult route_sampling(SamplingStrategiesFile* file, const http::Request& req) {
  constexpr const char* kRoute = "/api/sampling";
  if (!is_get(req)) return {kRoute, method_not_allowed(ErrorStyle::kJaeger, req)};
  std::string service = req.param("service").value_or("");
  if (service.empty())
    return {kRoute, error_response(ErrorStyle::kJaeger, 400, "parameter 'service' is required")};
  if (!file) {
    static const SamplingStrategy kDefault;  // probabilistic 1.0
    return {kRoute, http::Response::json(200, render_sampling_strategy(kDefault))};
  }
  std::shared_ptr<const SamplingStrategies> strategies = file->current();
  return {kRoute, http::Response::json(200, render_sampling_strategy(strategies->lookup(service)))};
}

}  // namespace weft::api
