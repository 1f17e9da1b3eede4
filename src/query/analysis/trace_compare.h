#pragma once
// Two traces side by side (structure and latency, as Jaeger's trace comparison): their
// trees aligned by the path of (service, operation) pairs from a root, so that the same
// call in two requests lines up however many spans or which span IDs it had.
//
// A node is one such path; all spans of a trace at the same path are merged into it (count,
// summed durations): a loop of 3 calls in a and 5 in b is one node with counts 3 and 5.
// Roots of both trees (SpanTree::roots(), orphans included) align the same way, as paths of
// length 1. A node present in one trace only (count 0 on the other side) marks a structural
// difference; its subtree is on that side only, too.
//
// nodes are in pre-order. Siblings are ordered by the earliest start among their spans in
// a; nodes without spans in a come after those, by the earliest start in b (ties: the order
// they were met walking each trace in pre-order). O(n log n) for n spans of both traces; no
// recursion.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/span_tree.h"

namespace weft::query::analysis {

struct CompareNode {
  int32_t parent = -1;  // index into TraceComparison::nodes; -1 for a root
  uint32_t depth = 0;   // 0 for a root
  std::string service, operation;
  uint32_t a_count = 0, b_count = 0;                    // spans at this path
  uint64_t a_duration_nanos = 0, b_duration_nanos = 0;  // their summed durations
};

struct TraceComparison {
  std::vector<CompareNode> nodes;
  uint32_t only_a = 0;  // nodes with b_count == 0
  uint32_t only_b = 0;  // nodes with a_count == 0
};

TraceComparison compare_traces(const SpanTree& a, const SpanTree& b);

}  // namespace weft::query::analysis
