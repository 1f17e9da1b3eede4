#pragma once
// weft C++ SDK: everything an application includes.
//
//   auto sdk = weft::Init({.service_name = "orders"});
//   weft::Tracer tracer = sdk.tracer("orders");
//   {
//     weft::Span span = tracer.StartSpan("charge", weft::SpanKind::kClient);
//     span.SetAttribute("order.id", 42);
//   }  // span ends here; `sdk` flushes when it goes out of scope.
#include <chrono>
#include <memory>
#include <string>

#include "weft/attribute.h"
#include "weft/baggage.h"
#include "weft/context.h"
#include "weft/exporter.h"
#include "weft/macros.h"
#include "weft/processor.h"
#include "weft/propagation.h"
#include "weft/sampler.h"
#include "weft/span.h"
#include "weft/tracer.h"

namespace weft {

struct Options {
  // service.name; empty = $OTEL_SERVICE_NAME, else "unknown_service".
  std::string service_name;
  KeyValueList resource_attributes;
  // Where spans go when `exporter` is not set:
  //   "http://host:port[/path]"  OTLP/HTTP protobuf (path default /v1/traces)
  //   "log:/path/to/file"        trace log lines (../shared/LOGFORMAT.md)
  //   "none"                     nowhere (spans are still made, sampled and counted)
  // empty = $WEFT_ENDPOINT, else $OTEL_EXPORTER_OTLP_ENDPOINT, else http://127.0.0.1:4318.
  std::string endpoint;
  bool gzip = false;
  std::shared_ptr<SpanExporter> exporter;
  // Default: ParentBasedSampler(AlwaysOnSampler()).
  std::shared_ptr<Sampler> sampler;
  // Default: "tracecontext,baggage" (or $OTEL_PROPAGATORS).
  std::string propagators;
  BatchProcessorOptions batch;
  bool simple_processor = false;  // export on the ending thread (tests, tiny tools)
  // Bytes a span may hold for its name, attributes, events and links; more is dropped and
  // counted. Every span reserves this much while open.
  uint32_t max_span_bytes = 2048;
  // Start RpcIds at root and SERVER spans even when no RpcId came in (log-line tracing).
  bool rpc_ids = false;
  RpcIdScheme rpc_scheme = RpcIdScheme::kPerRequest;
  // Flush (and fsync the log exporter) on SIGTERM/SIGINT, then run the handler that was
  // installed before (or the default action).
  bool flush_on_signal = true;
  std::chrono::milliseconds shutdown_timeout{5'000};
};

struct SdkStats {
  ProcessorStats processor;
  ExporterStats exporter;
  PropagationStats propagation;
};

// The installed SDK. Destroying it flushes and shuts the pipeline down. Move-only.
class Sdk {
 public:
  Sdk();
  Sdk(Sdk&&) noexcept;
  Sdk& operator=(Sdk&&) noexcept;
  ~Sdk();

  Tracer tracer(std::string_view name = "weft", std::string_view version = "") const;
  const Propagator& propagator() const;
  SdkStats stats() const;
  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  void Shutdown();
  const Resource& resource() const;

 private:
  friend Sdk Init(Options);
  struct State;
  std::unique_ptr<State> state_;
};

// Builds the pipeline and installs it as the global one (GetTracer, GlobalPropagator). A
// later Init replaces it. Throws std::invalid_argument for a bad endpoint or propagator list.
[[nodiscard]] Sdk Init(Options options);

}  // namespace weft
