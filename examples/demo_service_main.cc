// weft-demo-service: one service of the demo shop (see services/services.h). `weft demo`
// starts one process per service; it can also be run by hand:
//
//   weft-demo-service --name payments --port 7002
//   weft-demo-service --name inventory --port 7003 --endpoint log:/tmp/inventory.trace.log
//   weft-demo-service --name orders --port 7001 --peer inventory=127.0.0.1:7003
//       --peer payments=127.0.0.1:7002
//   weft-demo-service --name frontend --port 7000 --peer orders=127.0.0.1:7001
//       --peer inventory=127.0.0.1:7003
//   curl -i http://127.0.0.1:7000/checkout
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "runtime/service_process.h"

int main(int argc, char** argv) {
  demo::ServiceProcessOptions o;
  std::vector<std::string> peers;
  CLI::App app{
      "weft-demo-service: one service of weft's demo shop, instrumented with the weft C++ SDK",
      "weft-demo-service"};
  app.add_option("--name", o.name, "frontend, orders, payments or inventory")->required();
  app.add_option("--endpoint", o.endpoint,
                 "Where spans go: http://host:port (OTLP/HTTP) or log:/path (trace log lines)")
      ->capture_default_str();
  app.add_option("--propagators", o.propagators, "Header formats, as OTEL_PROPAGATORS")
      ->capture_default_str();
  app.add_flag("--rpc-ids,!--no-rpc-ids", o.rpc_ids, "Number requests with RpcIds")
      ->capture_default_str();
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0 = any free port)")->capture_default_str();
  app.add_option("--listen-fd", o.listen_fd, "Serve on this inherited listening socket");
  app.add_option("--peer", peers, "NAME=HOST:PORT of a service this one calls (repeatable)");
  app.add_option("--threads", o.worker_threads, "Request handler threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  for (const std::string& p : peers) {
    const size_t eq = p.find('=');
    demo::Endpoint e;
    if (eq == std::string::npos || !demo::ParseEndpoint(std::string_view(p).substr(eq + 1), &e)) {
      std::fprintf(stderr, "weft-demo-service: --peer wants NAME=HOST:PORT, got '%s'\n", p.c_str());
      return 2;
    }
    o.peers[p.substr(0, eq)] = e;
  }
  return demo::RunServiceProcess(o);
}
