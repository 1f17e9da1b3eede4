#pragma once
// Forwarder: `weft agent`'s way out. Takes batches from the disk queue and sends their spans
// over OTLP (HTTP or gRPC: otlp_transport.h) to one or more collectors (`weft serve`, `weft
// collector`, any OTLP receiver), and acks a queue entry only once every span of it was accepted.
//
//   DiskQueue ──next()──► dispatcher ──spans by trace ID──► one sender per collector ──POST──►
//       ▲                     ▲                                  │
//       └──── ack(entry) ◄────┴──── every part of the entry sent ◄┘ (2xx, or a permanent 4xx)
//
// Routing: rendezvous (highest-random-weight) hashing of the trace ID over the healthy
// collectors, so every span of a trace reaches the same collector (tail sampling needs whole
// traces), and a collector that goes down moves only its own traces, to the collector that
// ranks next for each of them; when it is back, they return.
//
// Failures: a retryable failure (transport error, timeout, 408/429/5xx) is retried with
// exponential backoff and full jitter (at least what Retry-After asks). After
// `unhealthy_after` failures in a row the collector is unhealthy: its waiting spans are
// rerouted to the healthy ones (when there are some), and it is probed with an empty export
// request every `probe_interval_ms` until it answers again. A permanent rejection (any other
// 4xx) drops that request's spans: they are counted and logged, never retried forever.
//
// Flow control: at most `max_in_flight_spans` spans are taken out of the queue and not yet
// delivered (`max_request_spans` while no collector is healthy); past it the dispatcher stops
// reading the queue, which then grows on disk (and, in the agent, slows the log tail before
// anything is dropped).
//
// Thread-safety: start()/stop() from one thread; stats() from any.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/endpoint.h"
#include "common/status.h"
#include "store/queue/disk_queue.h"

namespace weft::server {

using namespace weft::model;

struct ForwarderOptions {
  // Collector URLs: "http://host:4318" or "host:4318" (OTLP/HTTP; the path defaults to
  // /v1/traces), "grpc://host:4317" (OTLP/gRPC).
  std::vector<std::string> collectors;
  std::string compression = "gzip";  // gzip | zstd | none (gRPC: gzip | none)
  size_t max_request_spans = 4096;   // spans per export request
  size_t max_in_flight_spans = 100'000;
  uint32_t connect_timeout_ms = 2'000;
  uint32_t request_timeout_ms = 10'000;
  uint32_t retry_initial_ms = 100;  // first backoff, doubling per failure ...
  uint32_t retry_max_ms = 5'000;    // ... up to this
  uint32_t unhealthy_after = 3;     // failures in a row
  uint32_t probe_interval_ms = 1'000;
  // "forward: ..." messages (failures are rate-limited); default stderr, "weft: " prefixed.
  std::function<void(const std::string&)> log;
};

struct CollectorStats {
  std::string url;
  bool healthy = true;
  uint64_t sent_spans = 0;      // accepted by this collector
  uint64_t requests = 0;        // export requests answered 2xx
  uint64_t failures = 0;        // retryable failures
  uint64_t rejected_spans = 0;  // dropped on a permanent rejection
};

struct ForwarderStats {
  uint64_t forwarded_spans = 0;  // accepted by a collector
  uint64_t retries = 0;          // requests sent again after a failure
  uint64_t rerouted_spans = 0;   // moved off an unhealthy collector
  uint64_t rejected_spans = 0;   // dropped on a permanent rejection
  uint64_t in_flight_spans = 0;  // taken from the queue, not yet delivered
  std::vector<CollectorStats> collectors;
};

class Forwarder {
 public:
  // INVALID_ARGUMENT naming the bad URL or compression. Does not connect.
  static Result<std::unique_ptr<Forwarder>> create(store::DiskQueue& queue,
                                                   ForwarderOptions options);
  ~Forwarder();  // stop()

  void start();
  // Stops sending; a request in flight is abandoned after its timeout at the latest. What was
  // not delivered stays in the queue (not acked) and goes out after the next start.
  void stop();

  ForwarderStats stats() const;
  // Also registers weft_agent_* metrics on the global registry (once per process).
  void register_metrics();

  struct Impl;

 private:
  explicit Forwarder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The collectors of `options` as endpoints (scheme "http" with a path, or "grpc"), checked:
// INVALID_ARGUMENT naming the bad URL or compression. For checking flags before anything is
// opened; create() calls it too.
Result<std::vector<Endpoint>> collector_endpoints(const ForwarderOptions& options);

// The collector that rendezvous hashing picks for `trace_id` among `seeds` (one per
// collector, from its URL) where `usable[i]` is true; -1 if none is. Exposed for tests.
int pick_collector(const TraceId& trace_id, const std::vector<uint64_t>& seeds,
                   const std::vector<bool>& usable);

}  // namespace weft::server
