#pragma once
// The pipeline as `weft serve` runs it (src/pipeline): the RED metrics store under the data
// directory, the processor chain (RED metrics, service graph) in front of the store, the
// SLA alert engine with its webhook, and their background threads. Private to src/server.
//
// Lifecycle: open() (reads flags and the config's `alerts:` section; opens the metrics
// store) -> sink() is what the receivers write to -> start() once listening -> stop() after
// the store is closed (every acknowledged batch committed), which persists the metrics.
#include <memory>
#include <string>

#include "api/query_api.h"
#include "query/query_service.h"
#include "server/serve_options.h"
#include "store/store.h"

namespace weft::server {

class PipelineRuntime {
 public:
  // With flags.red_metrics off: sink() is `store` itself, views() are empty and alerts in
  // the config are refused. INVALID_ARGUMENT for a bad flag value or rule (the config line
  // named); other errors if the metrics directory cannot be opened.
  static Result<std::unique_ptr<PipelineRuntime>> open(const PipelineFlags& flags,
                                                       const std::string& data_dir,
                                                       SpanSink& store);
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
