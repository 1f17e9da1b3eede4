#pragma once
// The RED series as Prometheus text (exposition format 0.0.4), for /metrics. Off by default
// in the server, per family, since it has one series per span series / edge.
//
// Per series: cumulative counters of calls and errors (every call recorded since the store
// was opened: a restart resets them, which Prometheus's rate() expects of counters), and a
// summary-like gauge of the duration quantiles 0.5, 0.9, 0.95, 0.99 (seconds) over the last
// closed 10-second bucket (absent when that bucket had no calls).
//   weft_red_calls_total{service,operation,span_kind,status}
//   weft_edge_calls_total{client,server,server_kind,virtual,messaging} weft_red_errors_total{...}
//   weft_edge_errors_total{...} weft_red_duration_seconds{...,quantile}
//   weft_edge_duration_seconds{...,quantile}
#include <cstdint>
#include <string>

#include "metrics/metrics_store.h"

namespace weft::pipeline::metrics {

struct PrometheusFamilies {
  bool spans = false;
  bool edges = false;
};

std::string render_prometheus(const MetricsStore& store, PrometheusFamilies families,
                              uint64_t now_unix_nano);
inline std::string render_prometheus(const MetricsStore& store, PrometheusFamilies families) {
  return render_prometheus(store, families, store.now_unix_nano());
}

}  // namespace weft::pipeline::metrics
