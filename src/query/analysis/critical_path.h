#pragma once
// The critical path of one trace: the chain of span segments that determines its
// end-to-end latency — shorten any of them and the trace ends sooner.
//
// The rule (as Jaeger UI's critical path, made exact and iterative): walk the root span
// backwards from its end. At each moment the path is in the child that finished last before
// that moment; inside a child, the same walk applies recursively; where no child runs, the
// span itself is on the path (its self time). Precisely, for a span S over the window
// [lo, hi] (its own times, clipped to its parent's window):
//   t = hi; for each child C of S by clipped end, latest first:
//     skip C if it ends after t (it overlaps what a later-finishing child already covers) or
//       its clipped window is empty;
//     S holds [C.end, t]; C's own walk covers [C.start, C.end]; t = C.start.
//   S holds [lo, t].
// Clipping is the rule for children outside their parent: an asynchronous child that ends
// after its parent (fire-and-forget) counts only up to the parent's end — the caller did
// not wait for the rest; a child that starts before its parent (clock skew, uncorrected)
// counts from the parent's start; one entirely outside adds nothing. Spans outside the main
// root's tree (orphans, other roots) are not on the path.
//
// The segments tile [root start, root end] exactly: contiguous, in time order, no gaps.
// O(n log n) for n spans; no recursion.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/span_tree.h"

namespace weft::query::analysis {

struct PathSegment {
  uint32_t span = 0;  // index into the trace's spans
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
};

struct SelfTime {
  std::string service;
  std::string operation;
  uint64_t nanos = 0;  // time on the critical path
  uint32_t segments = 0;
};

struct CriticalPath {
  uint32_t root = SpanTree::kNone;  // kNone for an empty trace
  std::vector<PathSegment> segments;  // in time order
  // Per service × operation, most time first (ties: service, then operation).
  std::vector<SelfTime> self_times;
};

// The path of the main root's tree (tree.main_root()).
CriticalPath critical_path(const SpanTree& tree);

// The path of the subtree under span `root` alone, over root's own [start, end] (not clipped
// to its parent: the question is what took root's time, e.g. an entry point deep in a
// trace). Spans outside that subtree are not on the path. kNone (or an index out of range)
// gives an empty path with root == kNone.
CriticalPath critical_path(const SpanTree& tree, uint32_t root);

}  // namespace weft::query::analysis
