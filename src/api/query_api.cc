#include "api/query_api.h"

#include "api/jaeger_api.h"
#include "api/jaeger_v3_api.h"
#include "api/native_api.h"
#include "api/route_util.h"
#include "api/sampling_api.h"

namespace weft::api {

http::Handler make_query_api_handler(query::QueryService& service,
                                     SamplingStrategiesFile* sampling) {
  return [&service, sampling](http::Request&& req, http::Responder respond) {
    std::string_view path = req.path;
    if (path == "/api/sampling" || path == "/api/sampling/") {
      run_timed("jaeger", respond, [&] { return route_sampling(sampling, req); });
    } else if (path.starts_with("/api/v1/admin/")) {
      if (!route_native_admin(service, req, respond))
        run_timed("native", respond, [&] { return route_native(service, req); });
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
