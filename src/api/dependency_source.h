#pragma once
// The dependency endpoints' source (query::DependencySource) read from the service graph's
// edge series in the RED metrics store: answered for any time range the store keeps, not
// by scanning traces.
#include "metrics/metrics_store.h"
#include "query/query_service.h"

namespace weft::api {

// Links per (client, server) over [start, end], summed over an edge's series (a pair seen
// both as CLIENT->SERVER and PRODUCER->CONSUMER is one link). REQUIRES: `store` outlives
// the source.
query::DependencySource make_dependency_source(const pipeline::metrics::MetricsStore& store);

}  // namespace weft::api
