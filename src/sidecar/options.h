#pragma once
// What `weft sidecar` is configured with (flags in src/cmd/sidecar_command.cc), and its
// checked, parsed form.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sidecar/address.h"
#include "weft/exporter.h"
#include "weft/processor.h"

namespace weft::sidecar {

using Seconds = std::chrono::duration<double>;

struct SidecarOptions {
  std::string listen = "127.0.0.1:15001";  // ingress: where clients of the service connect
  std::string upstream;                    // HOST:PORT of the service (required)
  std::string service;                     // service.name of the spans (required)
  std::string egress;                      // "" / "off": no egress proxy
  std::string admin_addr = "127.0.0.1:15090";  // "off": none
  std::string ports_file;                  // JSON of the bound addresses, written after binding
  // Where spans go when `exporter` is null: http://host:port[/path] (OTLP/HTTP protobuf),
  // grpc://host:port (OTLP/gRPC), log:/path (trace log lines), none.
  std::string endpoint = "http://127.0.0.1:4318";
  // Injectable destination (e.g. weft serve's local store); takes precedence over endpoint.
  std::unique_ptr<SpanExporter> exporter;

  Seconds header_timeout{10};    // a request head must be complete this long after its first
                                 // byte (or after accept): else 408 and close (slowloris)
  Seconds idle_timeout{60};      // idle keep-alive connections, stalled client I/O, tunnels
  Seconds upstream_timeout{30};  // connect, response head, and upstream inactivity: else 504
  Seconds drain_timeout{10};     // in-flight requests after SIGTERM/SIGINT
  uint64_t max_header_bytes = 64 * 1024;  // request head; above: 431
  uint64_t max_body_bytes = 0;            // request body; 0 = unlimited; above: 413
  int threads = 0;                        // I/O threads; 0 = one per core

  std::string sampler = "parentbased_always_on";
  std::string sampler_arg;
  std::string sampling_url;  // weft serve's query port: remote sampling strategies
  // Formats read from requests (OTEL_PROPAGATORS names). Inject is always W3C + baggage plus
  // the formats a request came in with.
  std::string propagators = "tracecontext,baggage,b3,jaeger,rpcid";

  // The export queue: one lock-free ring per I/O thread (a SERVER span is ~600 bytes: 2 MiB
  // holds ~3,500, over 100 ms of a busy thread); full = drop and count.
  BatchProcessorOptions batch{.ring_bytes_per_thread = 2 << 20,
                              .max_export_batch = 2048,
                              .export_interval = std::chrono::milliseconds(200)};
  // Bytes a span may hold for its name and attributes (longer URLs are cut, counted as
  // dropped attributes).
  uint32_t max_span_bytes = 4096;
  // Upstream connections kept idle per thread and upstream.
  size_t max_idle_upstream = 256;
  // Largest response head accepted from an upstream (else 502).
  size_t max_response_header_bytes = 256 * 1024;
};

// SidecarOptions after checking. Durations in nanoseconds.
struct Config {
  HostPort listen;
  HostPort upstream;
  std::string service;
  std::optional<HostPort> egress;
  std::optional<HostPort> admin;
  std::string ports_file;
  std::chrono::nanoseconds header_timeout, idle_timeout, upstream_timeout, drain_timeout;
  size_t max_header_bytes;
  uint64_t max_body_bytes;
  size_t max_response_header_bytes;
  size_t max_idle_upstream;
  int threads;
};

// Checks everything that can be checked without the network. False and *error (a message for
// the user, naming the flag) on a bad value.
bool CheckOptions(const SidecarOptions& o, Config* out, std::string* error);

}  // namespace weft::sidecar
