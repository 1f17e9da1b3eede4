#include "cmd/pipeline_flags.h"

namespace weft::cmd {

void add_pipeline_flags(CLI::App* serve, server::PipelineFlags& o) {
  serve
      ->add_flag("--red-metrics,!--no-red-metrics", o.red_metrics,
                 "Keep RED metrics (calls, errors, latency percentiles) of every span and the "
                 "service graph, before any sampling (needed by the Monitor API, "
                 "/api/dependencies and alerts). On by default; --no-red-metrics turns it off")
      ->envname("WEFT_RED_METRICS");
  serve
      ->add_option("--metrics-fine-retention", o.fine_retention,
                   "How long 10-second RED metric buckets are kept (e.g. 6h)")
      ->envname("WEFT_METRICS_FINE_RETENTION")
      ->capture_default_str();
  serve
      ->add_option("--metrics-coarse-retention", o.coarse_retention,
                   "How long 1-minute RED metric buckets are kept (e.g. 7d)")
      ->envname("WEFT_METRICS_COARSE_RETENTION")
      ->capture_default_str();
  serve
      ->add_option("--metrics-max-series", o.max_series,
                   "Series per family (span series, graph edges) past which new ones are "
                   "counted under \"__other__\" (a cap against span names holding IDs)")
      ->check(CLI::Range(1u, 10'000'000u))
      ->envname("WEFT_METRICS_MAX_SERIES")
      ->capture_default_str();
  serve
      ->add_option("--metrics-memory-budget", o.memory_budget,
                   "Memory the RED metrics may hold (e.g. 128MiB; 0 = no budget); past it the "
                   "oldest buckets, already on disk, are read back from disk when asked for")
      ->envname("WEFT_METRICS_MEMORY_BUDGET")
      ->capture_default_str();
  serve
      ->add_option("--metrics-prometheus", o.prometheus,
                   "RED series also exposed on /metrics in Prometheus text: none, spans, edges "
                   "or all (can be large)")
      ->check(CLI::IsMember({"none", "spans", "edges", "all"}))
      ->envname("WEFT_METRICS_PROMETHEUS")
      ->capture_default_str();
  serve
      ->add_option("--graph-window", o.graph_window,
                   "How long a client span waits for its server span (and back) before the "
                   "service graph gives up on the pair or draws a virtual node (e.g. 10s)")
      ->envname("WEFT_GRAPH_WINDOW")
      ->capture_default_str();
  serve
      ->add_flag("--graph-user-node", o.graph_user_node,
                 "Draw an edge from a virtual \"user\" node to every root SERVER span")
      ->envname("WEFT_GRAPH_USER_NODE");
}

}  // namespace weft::cmd
