#pragma once
// The parent/child structure of one trace, by span index, for the analyses: built once in
// O(n log n), no recursion anywhere (a 100k-span chain is 100k levels deep).
//
// A span whose parent is not in the trace (an orphan), whose parent ID is its own, or that
// sits on a parent cycle (a corrupt trace) counts as a root. A span ID that occurs twice
// (a duplicate the store did not drop) names its first occurrence; the others are roots.
#include <cstdint>
#include <span>
#include <vector>

#include "model/span.h"

namespace weft::query::analysis {

// Buffers link_parents works in, kept by a caller that links many traces (allocated once).
struct ParentScratch {
  std::vector<uint32_t> table;
  std::vector<uint8_t> state;
  std::vector<uint32_t> walk;
};

// (*parent)[i] = the index of span i's parent, SpanTree::kNone for a root — exactly as
// SpanTree decides (see above). O(n), no recursion. For analyses that need only parents
// (cohorts) and for SpanTree itself.
void link_parents(const model::Trace& trace, std::vector<uint32_t>* parent,
                  ParentScratch* scratch);

class SpanTree {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // REQUIRES: `trace` outlives the tree (it keeps a reference).
  explicit SpanTree(const model::Trace& trace);

  const model::Trace& trace() const { return trace_; }
  size_t size() const { return parent_.size(); }
  const model::Span& span(uint32_t i) const { return trace_.spans[i]; }
  uint32_t parent(uint32_t i) const { return parent_[i]; }
  // Children of span i, ordered by start time, then span ID.
  std::span<const uint32_t> children(uint32_t i) const {
    return {child_list_.data() + child_begin_[i], child_list_.data() + child_begin_[i + 1]};
  }
  // Roots, ordered by start time, then span ID.
  const std::vector<uint32_t>& roots() const { return roots_; }
  // The trace's root for analyses: a span without a parent ID (not an orphan) if there is
  // one, else any root; among several, the earliest, then the longest. kNone if empty.
  uint32_t main_root() const { return main_root_; }
  // Spans of i's subtree, i first, parents before children (an iterative pre-order).
  std::vector<uint32_t> subtree(uint32_t i) const;

 private:
  const model::Trace& trace_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> child_begin_;  // size() + 1 offsets into child_list_
  std::vector<uint32_t> child_list_;
  std::vector<uint32_t> roots_;
  uint32_t main_root_ = kNone;
};

}  // namespace weft::query::analysis
