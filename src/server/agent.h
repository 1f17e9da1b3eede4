#pragma once
// `weft agent`: the per-host daemon (DESIGN.md §1). Receivers (OTLP gRPC/HTTP, Zipkin, Jaeger) and
// the log tail put spans into a disk-backed queue (store/queue/disk_queue.h); a forwarder
// (forwarder.h) sends them over OTLP (HTTP or gRPC) to one or more collectors, routed by trace ID.
//
//   apps ─OTLP/Zipkin─► receivers ─┐                       ┌─► collector A (weft serve …)
//                                  ├─► disk queue ─► forwarder (trace ID → collector)
//   log files ─► tail (flow-controlled) ─┘                 └─► collector B
//
// An application's request is answered once its spans are on the agent's disk, so a
// collector that is away costs the applications nothing; the queue is bounded in bytes and
// drops its oldest entries (counted) only past the bound. The log tail is slowed first: it
// waits while the queue is above `tail_high_water` of its bound, so log lines stay in their
// files rather than pushing older spans out.
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/limits.h"
#include "server/receivers.h"
#include "server/serve_options.h"

namespace weft::server {

struct AgentOptions {
  std::string data_dir = "./weft-agent-data";  // queue/ and the tail checkpoint
  // Receivers: listen host, OTLP, Zipkin and Jaeger addresses, as for `weft serve`.
  ReceiverAddrs receivers;
  // /metrics, /healthz, /readyz (jaeger-agent's admin port)
  std::string admin_addr;  // 14271
  std::string ports_file;

  std::vector<std::string> forward = {"http://127.0.0.1:4318"};
  std::string forward_compression = "gzip";  // gzip | zstd | none
  std::string queue_max_bytes = "1GiB";
  std::string fsync = "request";  // request | never
  double tail_high_water = 0.5;   // fraction of the queue bound above which the tail waits

  TailFlags tail;
  ingest::Limits limits;
  int io_threads = 0;
  uint32_t shutdown_timeout_ms = 10'000;
  // At shutdown, keep forwarding up to this long so a reachable collector gets what the
  // tail flushed last (the rest stays in the queue for the next start).
  uint32_t drain_timeout_ms = 3'000;
};

// Runs the agent until SIGINT/SIGTERM; returns the process exit code.
// REQUIRES: called from the main thread before any other thread is started.
int run_agent(const AgentOptions& options);

}  // namespace weft::server
