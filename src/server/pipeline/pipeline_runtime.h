#pragma once
// The pipeline as `weft serve` runs it (src/pipeline): the RED metrics store under the data
// directory, the processor chain (RED metrics, service graph) in front of the store, the
// SLA alert engine with its webhook, and their background threads. Private to src/server.
//
// Lifecycle: prepare_tail_sampling() (the config's `tail_sampling:` section; before the
// store opens, whose trace gate it makes) -> open() (reads flags and the config's `alerts:`
// section; opens the metrics store) -> sink() is what the receivers write to -> start() once
// listening -> stop() after the store is closed (every acknowledged batch committed), which
// persists the metrics.
#include <memory>
#include <string>

#include "api/query_api.h"
#include "query/query_service.h"
#include "server/serve_options.h"
#include "store/store.h"
#include "store/trace_gate.h"

namespace weft::pipeline::sampling {
class TailSampler;
}

namespace weft::server {

// Tail sampling as read from the config, made before the store opens: the store replays its
// WAL into the gate, so pending decisions are remade after a crash.
struct PreparedTailSampling {
  std::shared_ptr<pipeline::sampling::TailSampler> sampler;  // null: no tail_sampling: section
  std::shared_ptr<TraceGate> gate;  // the store's EmbeddedStoreOptions::trace_gate; null in dry run
};

class PipelineRuntime {
 public:
  // INVALID_ARGUMENT (the config line named) for a bad `tail_sampling:` section, or one
  // under --no-red-metrics (tail sampling runs in the pipeline).
  static Result<PreparedTailSampling> prepare_tail_sampling(const PipelineFlags& flags);
  // With flags.red_metrics off: sink() is `store` itself, views() are empty and alerts in
  // the config are refused. `tail` (from prepare_tail_sampling) joins the chain last.
  // INVALID_ARGUMENT for a bad flag value or rule (the config line named); other errors if
  // the metrics directory cannot be opened.
  static Result<std::unique_ptr<PipelineRuntime>> open(const PipelineFlags& flags,
                                                       const std::string& data_dir,
                                                       SpanSink& store,
                                                       PreparedTailSampling tail = {});
  ~PipelineRuntime();  // stop()

  SpanSink& sink();
  api::PipelineViews views() const;
  // The dependency endpoints' source; empty when the RED metrics are off.
  query::DependencySource dependency_source() const;
  // Prometheus text of the RED series families enabled by --metrics-prometheus ("" if none).
  std::string prometheus_text() const;
  // One line for the log: what runs.
  std::string describe() const;

  // Starts the background threads: metrics flush (10 s), graph expiry (1 s), alert
  // evaluation and webhook delivery. `external_url` is weft's own base URL (links in alerts)
  // unless the config names one.
  void start(const std::string& external_url);
  // Stops the threads, draws the graph's waiting halves that have a peer as virtual edges,
  // persists the metrics. Idempotent.
  Status stop();

  struct Parts;

 private:
  explicit PipelineRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace weft::server
