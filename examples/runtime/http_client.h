#pragma once
// Synchronous HTTP/1.1 calls between the demo services (Boost.Beast, one connection per
// call, bounded by a timeout).
//
// CallService is the instrumented one: it starts a CLIENT span as a child of the calling
// thread's current span, injects the propagation headers of weft::GlobalPropagator() (W3C
// traceparent, baggage, B3, RpcId, ... as configured at weft::Init) and records the outcome
// with OpenTelemetry's HTTP client attributes.
#include <chrono>
#include <string>
#include <string_view>

#include "runtime/http_types.h"
#include "weft/tracer.h"

namespace demo {

struct ClientResponse {
  int status = 0;  // 0 when the call failed before a response arrived
  std::string body;
  Headers headers;    // lowercase names
  std::string error;  // transport failure ("connection refused", "timed out", ...)

  bool ok() const { return status >= 200 && status < 300; }
};

// One plain request (no span, no propagation headers beyond `headers`).
ClientResponse HttpRequest(const Endpoint& to, std::string_view method, std::string_view target,
                           const Headers& headers = {}, std::string_view body = {},
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

// A traced call to another service: CLIENT span "{method} {route}" (route = target without
// the query) with http.request.method, server.address, server.port, url.full, peer.service
// and http.response.status_code; status Error (and error.type) on a transport failure or
// a 4xx/5xx answer.
ClientResponse CallService(const weft::Tracer& tracer, std::string_view peer_service,
                           const Endpoint& to, std::string_view method, std::string_view target,
                           std::string_view body = {},
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

}  // namespace demo
