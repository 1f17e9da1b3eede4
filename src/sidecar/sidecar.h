#pragma once
// weft sidecar: an HTTP/1.1 proxy that traces a service nobody instrumented (DESIGN.md §2,
// the third way spans arrive). See docs/sidecar.md.
//
//   weft::sidecar::SidecarOptions o;
//   o.upstream = "127.0.0.1:8080";
//   o.service = "orders";
//   weft::sidecar::Sidecar sidecar(std::move(o));
//   if (auto r = sidecar.Start(); !r.ok) { ... r.message ... }
//   ...
//   sidecar.Drain();  // stop accepting, finish in-flight requests, flush spans
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/metrics.h"
#include "sidecar/options.h"

namespace weft::sidecar {

struct StartResult {
  bool ok = true;
  bool usage_error = false;  // a bad option (exit 2) rather than a runtime failure (exit 1)
  std::string message;
};

class Sidecar {
 public:
  explicit Sidecar(SidecarOptions options);
  ~Sidecar();  // drains with a zero timeout if still running
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  // Checks the options, sets up the span pipeline, binds every listener (port 0 allowed),
  // starts the I/O threads and writes the ports file.
  StartResult Start();

  // Bound addresses, "host:port" ("" when not enabled). Valid after Start.
  std::string listen_address() const;
  std::string egress_address() const;
  std::string admin_address() const;

  // Stops accepting, lets in-flight requests finish (at most drain_timeout, then closes what
  // is left), flushes the spans and stops. Idempotent.
  void Drain();

  StatsSnapshot Stats() const;
  std::string MetricsText() const;
  // Exports what has ended so far; true if done within the timeout.
  bool FlushSpans(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `weft sidecar`: Start, wait for SIGTERM/SIGINT, Drain. Returns the process exit code
// (0; 2 for a bad option; 1 when a listener cannot be bound).
int RunSidecar(SidecarOptions options);

}  // namespace weft::sidecar
