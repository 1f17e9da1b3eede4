#pragma once
// A traced HTTP service: routes ("GET /checkout") to handlers, each request handled inside
// a SERVER span whose parent is extracted from the request headers with
// weft::GlobalPropagator() (W3C, B3, RpcId, ... whatever weft::Init configured), with
// OpenTelemetry's HTTP server attributes. A handler's own spans (and calls made through
// CallService / RunQuery) become children of that span because it is the thread's current
// one while the handler runs.
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "runtime/http_server.h"
#include "runtime/http_types.h"
#include "weft/tracer.h"

namespace demo {

class Service {
 public:
  Service(std::string name, weft::Tracer tracer) : name_(std::move(name)), tracer_(tracer) {}

  const std::string& name() const { return name_; }
  const weft::Tracer& tracer() const { return tracer_; }

  // Adds a route; `path` is matched exactly.
  void Route(std::string method, std::string path, Handler handler) {
    routes_[{std::move(method), std::move(path)}] = std::move(handler);
  }

  // Handles one request: GET /healthz untraced, anything else in a SERVER span named
  // "{method} {route}" (404s: "{method}", as OTel asks for unknown routes). A handler that
  // throws gets a 500 and its exception recorded. Adds a W3C `traceresponse` header so
  // callers (and curl users) can look the trace up.
  Response Handle(const Request& request) const;

  // Handle, bound to this service (for HttpServer).
  Handler handler() const {
    return [this](const Request& r) { return Handle(r); };
  }

 private:
  std::string name_;
  weft::Tracer tracer_;
  std::map<std::pair<std::string, std::string>, Handler> routes_;
};

}  // namespace demo
