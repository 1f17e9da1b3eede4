#pragma once
// The HTTP query API served on port 16686: one handler answering
//   /api/v1/...  weft's native API (native_api.h),
//   /api/v3/...  Jaeger's API v3 (jaeger_v3_api.h),
//   /api/sampling  Jaeger's remote sampling endpoint (sampling_api.h),
//   /api/metrics/..., /api/v1/metrics/...  RED metrics (metrics_api.h),
//   /api/v1/alerts...  SLA alerts (alerts_api.h),
//   /api/...     Jaeger's HTTP API as the Jaeger UI calls it (jaeger_api.h).
// Every endpoint is documented in docs/api.md. Unknown paths get 404 and other methods than
// GET/HEAD 405, in the error shape of the family the path belongs to.
#include "common/http_message.h"
#include "query/query_service.h"

namespace weft::pipeline::metrics {
class MetricsStore;
}
namespace weft::pipeline::alerts {
class AlertEngine;
}

namespace weft::api {

class SamplingStrategiesFile;

// What the pipeline offers the API; null parts answer 503 naming the flag that turns them on.
struct PipelineViews {
  pipeline::metrics::MetricsStore* metrics = nullptr;
  const pipeline::alerts::AlertEngine* alerts = nullptr;
};

// The handler answers synchronously, on the calling thread, exactly once.
// `sampling` serves /api/sampling; null answers every service with weft's default strategy
// (probabilistic 1.0).
// REQUIRES: `service`, `sampling` and the pipeline's parts (when given) outlive the handler.
http::Handler make_query_api_handler(query::QueryService& service,
                                     SamplingStrategiesFile* sampling = nullptr,
                                     PipelineViews pipeline = {});

}  // namespace weft::api
