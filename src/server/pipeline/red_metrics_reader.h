#pragma once
// The SLA alerts' view of the RED metrics (alerts/metrics_reader.h) read from the metrics
// store: the buckets of one service / operation / span kind within a window, merged.
#include "alerts/metrics_reader.h"
#include "metrics/metrics_store.h"

namespace weft::server {

class RedMetricsReader : public pipeline::alerts::MetricsReader {
 public:
  // REQUIRES: `store` outlives the reader.
  explicit RedMetricsReader(const pipeline::metrics::MetricsStore& store) : store_(store) {}

  pipeline::alerts::WindowStats window(const pipeline::alerts::RuleSelector& sel,
                                       uint64_t start_ns, uint64_t end_ns) const override;

 private:
  const pipeline::metrics::MetricsStore& store_;
};

}  // namespace weft::server
