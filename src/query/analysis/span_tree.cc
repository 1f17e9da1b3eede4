#include "analysis/span_tree.h"

#include <algorithm>
#include <cstring>

namespace weft::query::analysis {

using model::Span;

namespace {

// Span ID -> index of its first occurrence: open addressing over a power-of-two table of
// indexes (a third of std::unordered_map's time on 100k spans, no allocation per entry).
class SpanIndex {
 public:
  explicit SpanIndex(const model::Trace& trace) : trace_(trace) {
    size_t cap = 16;
    while (cap < trace.spans.size() * 2) cap <<= 1;
    mask_ = cap - 1;
    slots_.assign(cap, SpanTree::kNone);
    for (uint32_t i = 0; i < trace.spans.size(); ++i) {
      size_t at = slot_of(trace.spans[i].span_id);
      while (slots_[at] != SpanTree::kNone) {
        if (trace.spans[slots_[at]].span_id == trace.spans[i].span_id) break;  // first wins
        at = (at + 1) & mask_;
      }
      if (slots_[at] == SpanTree::kNone) slots_[at] = i;
    }
  }
  uint32_t find(const model::SpanId& id) const {
    for (size_t at = slot_of(id);; at = (at + 1) & mask_) {
      const uint32_t i = slots_[at];
      if (i == SpanTree::kNone || trace_.spans[i].span_id == id) return i;
    }
  }

 private:
  size_t slot_of(const model::SpanId& id) const {
    uint64_t v;
    std::memcpy(&v, id.bytes.data(), sizeof v);
    v ^= v >> 33;  // murmur3's finalizer: IDs need not be random (log-built ones are hashes
    v *= 0xff51afd7ed558ccdULL;  // of RpcIds, tests count 1, 2, 3)
    v ^= v >> 33;
    return static_cast<size_t>(v) & mask_;
  }
  const model::Trace& trace_;
  size_t mask_ = 0;
  std::vector<uint32_t> slots_;
};

}  // namespace

SpanTree::SpanTree(const model::Trace& trace) : trace_(trace) {
  const auto n = static_cast<uint32_t>(trace.spans.size());
  parent_.assign(n, kNone);
  {
    const SpanIndex by_id(trace);
    for (uint32_t i = 0; i < n; ++i) {
      const Span& s = trace.spans[i];
      if (s.parent_span_id.is_zero()) continue;
      const uint32_t p = by_id.find(s.parent_span_id);
      if (p != kNone && p != i) parent_[i] = p;
    }
  }
  // Break parent cycles: walk up from each span, marking the walk; meeting a span of the
  // same walk is a cycle, cut at the span where it closes. 0 unseen, 1 on this walk, 2 done.
  std::vector<uint8_t> state(n, 0);
  std::vector<uint32_t> walk;
  for (uint32_t i = 0; i < n; ++i) {
    walk.clear();
    uint32_t j = i;
    while (j != kNone && state[j] == 0) {
      state[j] = 1;
      walk.push_back(j);
      j = parent_[j];
    }
    if (j != kNone && state[j] == 1) parent_[j] = kNone;  // j's parent chain led back to j
    for (uint32_t k : walk) state[k] = 2;
  }
  auto earlier = [&](uint32_t a, uint32_t b) {
    const Span& x = trace.spans[a];
    const Span& y = trace.spans[b];
    if (x.start_time_unix_nano != y.start_time_unix_nano)
      return x.start_time_unix_nano < y.start_time_unix_nano;
    return x.span_id < y.span_id;
  };
  child_begin_.assign(n + 1, 0);
  for (uint32_t i = 0; i < n; ++i)
    if (parent_[i] != kNone) ++child_begin_[parent_[i] + 1];
  for (uint32_t i = 0; i < n; ++i) child_begin_[i + 1] += child_begin_[i];
  child_list_.resize(child_begin_[n]);
  std::vector<uint32_t> fill(child_begin_.begin(), child_begin_.end() - 1);
  for (uint32_t i = 0; i < n; ++i) {
    if (parent_[i] == kNone)
      roots_.push_back(i);
    else
      child_list_[fill[parent_[i]]++] = i;
  }
  // Filled in span order: already sorted when the trace is (as the query layer returns it).
  for (uint32_t i = 0; i < n; ++i) {
    auto first = child_list_.begin() + child_begin_[i], last = child_list_.begin() + child_begin_[i + 1];
    if (!std::is_sorted(first, last, earlier)) std::sort(first, last, earlier);
  }
  std::sort(roots_.begin(), roots_.end(), earlier);
  for (uint32_t r : roots_) {
    const Span& s = trace.spans[r];
    if (main_root_ == kNone) {
      main_root_ = r;
      continue;
    }
    const Span& m = trace.spans[main_root_];
    const bool s_true = s.parent_span_id.is_zero(), m_true = m.parent_span_id.is_zero();
    if (s_true != m_true) {
      if (s_true) main_root_ = r;
      continue;
    }
    if (s.start_time_unix_nano == m.start_time_unix_nano && s.duration_nanos() > m.duration_nanos())
      main_root_ = r;
  }
}

std::vector<uint32_t> SpanTree::subtree(uint32_t i) const {
  std::vector<uint32_t> out;
  std::vector<uint32_t> stack{i};
  while (!stack.empty()) {
    const uint32_t s = stack.back();
    stack.pop_back();
    out.push_back(s);
    auto kids = children(s);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

}  // namespace weft::query::analysis
