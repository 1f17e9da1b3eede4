#pragma once
// The aggregate critical path of one entry point over many traces: which service ×
// operation the time of its calls goes to — overall, in typical calls and in the slowest
// ones (what to fix for the p99) — as Uber's CRISP and Jaeger's "critical path" views.
//
// Each trace contributes the critical path of its entry span (critical_path(tree, entry):
// the entry's own subtree, over its own duration, wherever it sits in the trace) reduced to
// self time per service × operation, plus the entry's duration and the trace ID. The
// builder keeps only that, not the trace: memory is a few dozen bytes per trace and
// operation on its path.
//
// finish() ranks the traces by entry duration (ascending; ties by trace ID, then order
// added) and reports bands of n traces by rank i (0-based):
//   "all"       every trace;
//   "median"    i in [floor(0.4 n), ceil(0.6 n)) — the middle 20 %, symmetric, at least one;
//   "slowest5"  the ceil(5 % n) slowest (so the p95 trace is in it), at least one;
//   "slowest1"  the ceil(1 % n) slowest, at least one.
// A band's shares divide each service × operation's summed self time by the band's summed
// path time, so they add up to 1; comparing a slow band's share with the median band's
// (median_share) shows what grows in slow calls.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/span_tree.h"

namespace weft::query::analysis {

// The entry span of a trace: the earliest span (start time, then span ID) whose service is
// `service` and, if `operation` is not empty, whose name is `operation`. SpanTree::kNone if
// none. O(n).
uint32_t find_entry_span(const SpanTree& tree, std::string_view service,
                         std::string_view operation);

struct BandShare {
  std::string service, operation;
  uint64_t nanos = 0;       // summed self time on the band's traces' paths
  double share = 0;         // nanos / the band's critical_path_nanos (0 if that is 0)
  uint64_t mean_nanos = 0;  // nanos / the band's traces
  // The same service × operation's share in the "median" band (0 if absent there); unset in
  // the median band itself.
  std::optional<double> median_share;
};

struct Band {
  std::string name;  // "all", "median", "slowest5", "slowest1"
  uint32_t traces = 0;
  uint64_t min_duration_nanos = 0, max_duration_nanos = 0;  // of the entry spans
  uint64_t critical_path_nanos = 0;      // summed path time (= summed entry durations)
  std::vector<BandShare> shares;         // most nanos first; ties: service, then operation
  std::vector<model::TraceId> examples;  // up to 5 of the band's traces, slowest first
};

struct AggregateCriticalPath {
  uint32_t analyzed_traces = 0;
  std::vector<Band> bands;  // all, median, slowest5, slowest1; empty if no trace was added
};

class AggregateCriticalPathBuilder {
 public:
  // The entry point: `service`, and `operation` unless empty (then any span of `service`).
  AggregateCriticalPathBuilder(std::string service, std::string operation);

  // Adds the trace's entry span's path. False (and nothing added) if the trace has no entry
  // span. The trace ID is trace.trace_id, else (zero) the entry span's.
  bool add(const model::Trace& trace);

  AggregateCriticalPath finish() &&;

 private:
  struct OpTime {
    uint32_t op;  // index into ops_
    uint64_t nanos;
  };
  struct Entry {
    model::TraceId trace_id;
    uint64_t duration_nanos;
    uint64_t path_nanos;
    uint32_t first_op, op_count;  // range of op_times_
    uint32_t order;               // order added, the last tie-break
  };
  struct Op {
    std::string service, operation;
  };
  // Interns a service × operation (the key is service + '\0' + operation).
  uint32_t op_index(std::string_view service, std::string_view operation);

  std::string service_, operation_;
  std::vector<Entry> entries_;
  std::vector<OpTime> op_times_;
  std::vector<Op> ops_;
  std::unordered_map<std::string, uint32_t> op_by_key_;
  std::string key_;  // scratch
};

}  // namespace weft::query::analysis
