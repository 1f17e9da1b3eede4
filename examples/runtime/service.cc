#include "runtime/service.h"

#include "weft/propagation.h"

namespace demo {

Response Service::Handle(const Request& request) const {
  if (request.method == "GET" && request.path == "/healthz")
    return Response::Json(200, "{\"status\":\"ok\"}");

  // The carrier reads the request's headers; extraction starts from an empty Context, so a
  // request without (valid) propagation headers starts a new trace.
  Headers headers = request.headers;
  weft::HttpHeaderCarrier carrier(headers);
  const weft::Context parent = weft::GlobalPropagator().Extract(carrier, weft::Context());

  auto route = routes_.find({request.method, request.path});
  const bool known = route != routes_.end();
  std::string name = request.method;
  if (known) name.append(" ").append(request.path);

  weft::StartOptions options;
  options.kind = weft::SpanKind::kServer;
  options.parent = &parent;
  weft::Span span = tracer_.StartSpan(name, options);
  span.SetAttributes({{"http.request.method", request.method},
                      {"url.path", request.path},
                      {"url.scheme", "http"},
                      {"network.protocol.version", "1.1"},
                      {"client.address", request.client_address},
                      {"client.port", static_cast<int64_t>(request.client_port)}});
  if (known) span.SetAttribute("http.route", request.path);
  if (auto ua = request.Header("user-agent"); !ua.empty())
    span.SetAttribute("user_agent.original", ua);
  if (auto host = request.Header("host"); !host.empty()) span.SetAttribute("server.address", host);

  Response response;
  if (!known) {
    response = Response::Json(404, "{\"error\":\"no such route\"}");
  } else {
    try {
      response = route->second(request);
    } catch (const std::exception& e) {
      span.RecordException(e);
      response = Response::Json(500, "{\"error\":\"internal error\"}");
    }
  }
  span.SetAttribute("http.response.status_code", static_cast<int64_t>(response.status));
  if (response.status >= 500) {  // OTel: only 5xx make a SERVER span an error
    span.SetAttribute("error.type", std::to_string(response.status));
    span.SetStatus(weft::StatusCode::kError, "HTTP " + std::to_string(response.status));
  }
  if (span.recording() || span.trace_id().valid()) {
    std::string tr = "00-" + span.trace_id().hex() + "-" + span.span_id().hex() +
                     (span.flags() & weft::kTraceFlagSampled ? "-01" : "-00");
    response.headers.emplace_back("traceresponse", std::move(tr));
  }
  return response;
}

}  // namespace demo
