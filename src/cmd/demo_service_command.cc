// `weft demo-service`: one service of the demo shop (examples/services). `weft demo` starts
// this binary once per service; it can also be run by hand:
//
//   weft demo-service --name payments --port 7002
//   weft demo-service --name inventory --port 7003 --endpoint log:/tmp/inventory.trace.log
//   weft demo-service --name orders --port 7001 --peer inventory=127.0.0.1:7003
//       --peer payments=127.0.0.1:7002
//   weft demo-service --name frontend --port 7000 --peer orders=127.0.0.1:7001
//       --peer inventory=127.0.0.1:7003
//   curl -i http://127.0.0.1:7000/checkout
//
// The services are built on the SDK (weft::sdk), linked into this binary beside the server;
// nothing here touches src/model (see docs/architecture.md, "One binary").
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "runtime/service_process.h"

namespace weft::cmd {

namespace {

struct DemoServiceFlags {
  ::demo::ServiceProcessOptions o;
  std::vector<std::string> peers;
};

int run_demo_service(DemoServiceFlags& f) {
  for (const std::string& p : f.peers) {
    const size_t eq = p.find('=');
    ::demo::Endpoint e;
    if (eq == std::string::npos ||
        !::demo::ParseEndpoint(std::string_view(p).substr(eq + 1), &e)) {
      std::fprintf(stderr, "weft demo-service: --peer wants NAME=HOST:PORT, got '%s'\n",
                   p.c_str());
      return 2;
    }
    f.o.peers[p.substr(0, eq)] = e;
  }
  return ::demo::RunServiceProcess(f.o);
}

}  // namespace

void register_demo_service_command(CLI::App& app) {
  auto flags = std::make_shared<DemoServiceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo-service",
      "One service of the demo shop (frontend, orders, payments or inventory), instrumented\n"
      "with the weft C++ SDK. `weft demo` starts one per service; run it by hand to try the\n"
      "SDK's propagation, e.g.\n"
      "\n"
      "  weft demo-service --name payments --port 7002\n"
      "  weft demo-service --name orders --port 7001 --peer payments=127.0.0.1:7002 \\\n"
      "      --peer inventory=127.0.0.1:7003");
  auto& o = flags->o;
  cmd->add_option("--name", o.name, "frontend, orders, payments or inventory")->required();
  cmd->add_option("--endpoint", o.endpoint,
                  "Where spans go: http://host:port (OTLP/HTTP) or log:/path (trace log lines)")
      ->capture_default_str();
  cmd->add_option("--propagators", o.propagators, "Header formats, as OTEL_PROPAGATORS")
      ->capture_default_str();
  cmd->add_flag("--rpc-ids,!--no-rpc-ids", o.rpc_ids, "Number requests with RpcIds")
      ->capture_default_str();
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port to listen on (0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--listen-fd", o.listen_fd, "Serve on this inherited listening socket");
  cmd->add_option("--peer", flags->peers,
                  "NAME=HOST:PORT of a service this one calls (repeatable)");
  cmd->add_option("--threads", o.worker_threads, "Request handler threads")
      ->capture_default_str();
  cmd->callback([flags] { exit_code = run_demo_service(*flags); });
}

}  // namespace weft::cmd
