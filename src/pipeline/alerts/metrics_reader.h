#pragma once
// The narrow view of the RED metrics store that alert evaluation needs: the calls of one
// service / operation / span kind in one time window. The metrics store (pipeline/metrics)
// is adapted to it; tests implement it with canned windows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/span.h"

namespace weft::pipeline::alerts {

// Which calls to read, and what the rule needs of them.
struct RuleSelector {
  std::string service;
  std::string operation;  // empty: every operation of the service, merged
  model::SpanKind span_kind = model::SpanKind::kServer;
  // The duration quantile to compute (0 < q < 1), or nullopt when the rule reads no latency.
  std::optional<double> quantile;
  // Exemplars wanted: trace IDs of calls that show the problem, at most `max_exemplars`:
  // errors when `exemplar_errors` is set, else calls at least `exemplar_min_duration_ns`
  // long (the latency threshold; 0: any call). Best effort: fewer, or none, is fine.
  uint32_t max_exemplars = 5;
  bool exemplar_errors = false;
  uint64_t exemplar_min_duration_ns = 0;
};

// The calls of one selector in one window.
struct WindowStats {
  uint64_t calls = 0;
  uint64_t errors = 0;  // calls with status error
  // Duration in ns at selector.quantile (within the store's sketch error); nullopt when no
  // quantile was asked for or there were no calls.
  std::optional<double> quantile_ns;
  // Newest first preferred; at most selector.max_exemplars.
  std::vector<model::TraceId> exemplars;
};

class MetricsReader {
 public:
  virtual ~MetricsReader() = default;
  // The calls matching `sel` whose spans ended in [start_ns, end_ns) (Unix ns). A store of
  // coarser resolution answers for the buckets that lie within the window (a 10 s store
  // asked for [t-60s, t) with t not on a bucket boundary may answer for the 6 whole buckets
  // before t). Unknown service or operation: zero calls.
  // Thread-safety: called from the alert engine's thread while spans are ingested.
  virtual WindowStats window(const RuleSelector& sel, uint64_t start_ns, uint64_t end_ns) const = 0;
};

}  // namespace weft::pipeline::alerts
