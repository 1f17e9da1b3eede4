#include "api/query_api.h"

#include "api/alerts_api.h"
#include "api/analysis_api.h"
#include "api/jaeger_api.h"
#include "api/jaeger_v3_api.h"
#include "api/metrics_api.h"
#include "api/native_api.h"
#include "api/route_util.h"
#include "api/sampling_api.h"

namespace weft::api {

namespace {

bool is_alerts_route(std::string_view path) {
  return path == "/api/v1/alerts" || path.starts_with("/api/v1/alerts/");
}

RouteResult pipeline_part_off(ErrorStyle style, std::string_view what) {
  return {"unknown", error_response(style, 503,
                                    std::string(what) +
                                        " are off: weft serve keeps them with --red-metrics")};
}

}  // namespace

http::Handler make_query_api_handler(query::QueryService& service,
                                     SamplingStrategiesFile* sampling, PipelineViews pipeline) {
  return [&service, sampling, pipeline](http::Request&& req, http::Responder respond) {
    std::string_view path = req.path;
    if (is_metrics_route(path)) {
      const bool jaeger = !path.starts_with("/api/v1/");
      run_timed(jaeger ? "jaeger" : "native", respond, [&] {
        if (!pipeline.metrics)
          return pipeline_part_off(jaeger ? ErrorStyle::kJaeger : ErrorStyle::kNative,
                                   "RED metrics");
        return route_metrics(*pipeline.metrics, req);
      });
    } else if (is_alerts_route(path)) {
      run_timed("native", respond, [&] {
        if (!pipeline.alerts) return pipeline_part_off(ErrorStyle::kNative, "SLA alerts");
        return route_alerts(*pipeline.alerts, req);
      });
    } else if (path == "/api/sampling" || path == "/api/sampling/") {
      run_timed("jaeger", respond, [&] { return route_sampling(sampling, req); });
    } else if (path.starts_with("/api/v1/admin/")) {
      if (!route_native_admin(service, req, respond))
        run_timed("native", respond, [&] { return route_native(service, req); });
    } else if (route_analysis_async(service, req, respond)) {
      // answered on a thread of its own
    } else if (path.starts_with("/api/v1/") || path == "/api/v1") {
      run_timed("native", respond, [&] { return route_native(service, req); });
    } else if (path.starts_with("/api/v3/") || path == "/api/v3") {
      run_timed("jaeger_v3", respond, [&] { return route_jaeger_v3(service, req); });
    } else {
      run_timed("jaeger", respond, [&] { return route_jaeger(service, req); });
    }
  };
}

}  // namespace weft::api
