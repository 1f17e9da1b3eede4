// `weft demo`: the demo shop of examples/ (four small C++ services instrumented with the weft
// SDK) with traffic, so a newcomer sees real traces in a minute. The parts are in
// src/cmd/demo/; this file is the command line.
#include <memory>

#include "cmd/commands.h"
#include "cmd/demo/demo_runner.h"

namespace weft::cmd {

void register_demo_command(CLI::App& app) {
  auto opts = std::make_shared<demo::DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run a small instrumented application and send it traffic, so there are real traces to\n"
      "look at. Four C++ services built on the weft SDK (examples/) call each other over HTTP:\n"
      "\n"
      "  frontend  GET /checkout -> orders, GET /browse -> inventory\n"
      "  orders    -> inventory (reserve), -> payments (charge), -> mysql (INSERT)\n"
      "  payments  -> bank (an external API: latency spikes, ~3% errors)\n"
      "  inventory parallel stock lookups on a thread pool, a cache, -> mysql (SELECT)\n"
      "\n"
      "mysql and bank are not processes: they appear in weft as virtual nodes of the service\n"
      "graph. frontend, orders and payments export spans over OTLP/HTTP to --endpoint;\n"
      "inventory writes trace log lines (x_trace_id, x_rpc_id; ../shared/LOGFORMAT.md) to\n"
      "--log-dir/inventory.trace.log instead. Context travels in W3C traceparent, baggage, B3\n"
      "and RpcId headers. Latencies are log-normal with spikes; 2-5% of calls fail.\n"
      "\n"
      "With --serve, weft serve is started too (data in --data-dir, tailing inventory's trace\n"
      "log so its spans join the others' traces), so one command shows traces. Ctrl-C or\n"
      "SIGTERM stops the traffic, then the services (they flush their spans), then weft\n"
      "serve. Each process writes its output to --log-dir/<name>.log.\n"
      "\n"
      "  weft demo --serve                      everything, on weft serve's default ports\n"
      "  weft demo --rate 20 --duration 60      into a weft serve already running");
  cmd->fallthrough();

  auto& o = *opts;
  cmd->add_option("--endpoint", o.endpoint,
                  "OTLP/HTTP base URL of weft serve (ignored with --serve, which uses its own)")
      ->capture_default_str();
  cmd->add_option("--rate", o.rate, "Requests per second into the frontend")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--duration", o.duration_seconds, "Seconds to run; 0 = until stopped")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--log-dir", o.log_dir,
                  "Directory for inventory's trace log and every process's output")
      ->capture_default_str();
  cmd->add_flag("--serve", o.serve, "Also start weft serve (this binary) and send spans to it");
  cmd->add_option("--data-dir", o.data_dir, "weft serve's data directory, with --serve")
      ->capture_default_str();
  cmd->add_flag("--serve-any-ports", o.serve_any_ports,
                "With --serve: bind weft serve's listeners to free ports instead of 4317, "
                "4318, 9411 and 16686 (the addresses are printed)");
  cmd->add_option("--base-port", o.base_port,
                  "Services listen on 127.0.0.1 ports base..base+3 (frontend, orders, "
                  "payments, inventory); 0 = any free ports (printed)")
      ->capture_default_str();

  cmd->callback([opts] { exit_code = demo::RunDemo(*opts); });
}

}  // namespace weft::cmd
