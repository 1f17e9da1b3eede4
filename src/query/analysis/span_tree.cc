#include "analysis/span_tree.h"

#include <algorithm>
#include <cstring>

namespace weft::query::analysis {

using model::Span;

namespace {

size_t slot_of(const model::SpanId& id, size_t mask) {
  uint64_t v;
  std::memcpy(&v, id.bytes.data(), sizeof v);
  v ^= v >> 33;  // murmur3's finalizer: IDs need not be random (log-built ones are hashes
  v *= 0xff51afd7ed558ccdULL;  // of RpcIds, tests count 1, 2, 3)
  v ^= v >> 33;
  return static_cast<size_t>(v) & mask;
}

}  // namespace

void link_parents(const model::Trace& trace, std::vector<uint32_t>* parent,
                  ParentScratch* scratch) {
  constexpr uint32_t kNone = SpanTree::kNone;
  const auto n = static_cast<uint32_t>(trace.spans.size());
  // Span ID -> index of its first occurrence: open addressing over a power-of-two table
  // (a third of std::unordered_map's time on 100k spans, no allocation per entry).
  size_t cap = 16;
  while (cap < 2 * static_cast<size_t>(n)) cap <<= 1;
  const size_t mask = cap - 1;
  std::vector<uint32_t>& table = scratch->table;
  table.assign(cap, kNone);
  auto find_slot = [&](const model::SpanId& id) -> uint32_t& {
    size_t at = slot_of(id, mask);
    while (table[at] != kNone && trace.spans[table[at]].span_id != id) at = (at + 1) & mask;
    return table[at];
  };
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t& slot = find_slot(trace.spans[i].span_id);
    if (slot == kNone) slot = i;  // a duplicate ID names its first occurrence
  }
  parent->assign(n, kNone);
  for (uint32_t i = 0; i < n; ++i) {
    const Span& s = trace.spans[i];
    if (s.parent_span_id.is_zero()) continue;
    const uint32_t p = find_slot(s.parent_span_id);
    if (p != kNone && p != i) (*parent)[i] = p;
  }
  // Break parent cycles: walk up from each span, marking the walk; meeting a span of the
  // same walk is a cycle, cut at the span where it closes. 0 unseen, 1 on this walk, 2 done.
  std::vector<uint8_t>& state = scratch->state;
  std::vector<uint32_t>& walk = scratch->walk;
  state.assign(n, 0);
  for (uint32_t i = 0; i < n; ++i) {
    walk.clear();
    uint32_t j = i;
    while (j != kNone && state[j] == 0) {
      state[j] = 1;
      walk.push_back(j);
      j = (*parent)[j];
    }
    if (j != kNone && state[j] == 1) (*parent)[j] = kNone;  // j's parent chain led back to j
    for (uint32_t k : walk) state[k] = 2;
  }
}

SpanTree::SpanTree(const model::Trace& trace) : trace_(trace) {
  const auto n = static_cast<uint32_t>(trace.spans.size());
  {
    ParentScratch scratch;
    link_parents(trace, &parent_, &scratch);
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
