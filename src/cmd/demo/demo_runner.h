#pragma once
// `weft demo`: starts the demo shop (examples/: four `weft demo-service` processes, plus
// `weft serve` with --serve), sends it traffic, and stops everything on SIGINT/SIGTERM or
// after --duration.
#include <cstdint>
#include <string>

namespace weft::cmd::demo {

struct DemoOptions {
  std::string endpoint = "http://127.0.0.1:4318";  // OTLP/HTTP base URL of weft serve
  double rate = 5;                                 // requests per second into the frontend
  double duration_seconds = 0;                     // 0 = until stopped
  std::string log_dir = "./weft-demo-logs";        // inventory's trace log, children's output
  bool serve = false;                              // also run `weft serve`
  std::string data_dir = "./weft-data";            // its data directory
  bool serve_any_ports = false;                    // its listeners on port 0 (not 4317, ...)
  uint16_t base_port = 0;  // services on base..base+3 (frontend first); 0 = any free ports
};

// Returns the exit code.
int RunDemo(const DemoOptions& options);

}  // namespace weft::cmd::demo
