#include "analysis/trace_compare.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace weft::query::analysis {

namespace {

constexpr uint32_t kNoNode = UINT32_MAX;

// A node while the trees are merged: numbered in the order met (a first, then b).
struct Work {
  uint32_t parent;              // kNoNode for a root
  uint32_t service, operation;  // interned
  uint32_t count[2] = {0, 0};
  uint64_t duration[2] = {0, 0};
  uint64_t first_start[2] = {UINT64_MAX, UINT64_MAX};
};

struct Key {
  uint32_t parent, service, operation;
  friend bool operator==(const Key&, const Key&) = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = (uint64_t{k.parent} << 32) ^ (uint64_t{k.service} << 16) ^ k.operation;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return static_cast<size_t>(h);
  }
};

// Strings by index: views into the traces' spans, which outlive the comparison.
class Interner {
 public:
  uint32_t operator()(std::string_view s) {
    auto [it, inserted] = index_.try_emplace(s, static_cast<uint32_t>(strings_.size()));
    if (inserted) strings_.push_back(s);
    return it->second;
  }
  std::string_view operator[](uint32_t i) const { return strings_[i]; }

 private:
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<std::string_view> strings_;
};

}  // namespace

TraceComparison compare_traces(const SpanTree& a, const SpanTree& b) {
  Interner strings;
  std::vector<Work> work;
  std::unordered_map<Key, uint32_t, KeyHash> by_key;
  by_key.reserve(a.size() + b.size());

  // Each span's node, parents before children: roots in order, then each tree's pre-order.
  std::vector<uint32_t> node_of;
  std::vector<uint32_t> stack;
  const SpanTree* trees[2] = {&a, &b};
  for (int side = 0; side < 2; ++side) {
    const SpanTree& t = *trees[side];
    node_of.assign(t.size(), kNoNode);
    const auto& roots = t.roots();
    stack.assign(roots.rbegin(), roots.rend());
    while (!stack.empty()) {
      const uint32_t s = stack.back();
      stack.pop_back();
      const model::Span& span = t.span(s);
      const uint32_t p = t.parent(s);
      const Key key{p == SpanTree::kNone ? kNoNode : node_of[p], strings(span.service_name()),
                    strings(span.name)};
      auto [it, inserted] = by_key.try_emplace(key, static_cast<uint32_t>(work.size()));
      if (inserted) work.push_back({key.parent, key.service, key.operation});
      Work& w = work[it->second];
      ++w.count[side];
      w.duration[side] += span.duration_nanos();
      w.first_start[side] = std::min(w.first_start[side], span.start_time_unix_nano);
      node_of[s] = it->second;
      auto kids = t.children(s);
      for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back(*k);
    }
  }

  // Children of each node (and the roots, as children of a virtual node at work.size()),
  // as offsets into one list, then sorted: in a first by a's start, then b-only by b's.
  const auto n = static_cast<uint32_t>(work.size());
  std::vector<uint32_t> begin(n + 2, 0);
  for (const Work& w : work) ++begin[(w.parent == kNoNode ? n : w.parent) + 1];
  for (uint32_t i = 0; i <= n; ++i) begin[i + 1] += begin[i];
  std::vector<uint32_t> kids(n);
  {
    std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
    for (uint32_t i = 0; i < n; ++i)
      kids[fill[work[i].parent == kNoNode ? n : work[i].parent]++] = i;
  }
  auto before = [&work](uint32_t x, uint32_t y) {
    const Work& p = work[x];
    const Work& q = work[y];
    const bool p_a = p.count[0] > 0, q_a = q.count[0] > 0;
    if (p_a != q_a) return p_a;
    const int side = p_a ? 0 : 1;
    if (p.first_start[side] != q.first_start[side])
      return p.first_start[side] < q.first_start[side];
    return x < y;
  };
  for (uint32_t i = 0; i <= n; ++i)
    std::sort(kids.begin() + begin[i], kids.begin() + begin[i + 1], before);

  // Pre-order from the virtual root.
  TraceComparison out;
  out.nodes.reserve(n);
  std::vector<int32_t> out_index(n, -1);
  stack.clear();
  for (uint32_t k = begin[n + 1]; k > begin[n]; --k) stack.push_back(kids[k - 1]);
  while (!stack.empty()) {
    const uint32_t i = stack.back();
    stack.pop_back();
    const Work& w = work[i];
    CompareNode node;
    if (w.parent != kNoNode) {
      node.parent = out_index[w.parent];
      node.depth = out.nodes[static_cast<size_t>(node.parent)].depth + 1;
    }
    node.service = strings[w.service];
    node.operation = strings[w.operation];
    node.a_count = w.count[0];
    node.b_count = w.count[1];
    node.a_duration_nanos = w.duration[0];
    node.b_duration_nanos = w.duration[1];
    if (node.b_count == 0) ++out.only_a;
    if (node.a_count == 0) ++out.only_b;
    out_index[i] = static_cast<int32_t>(out.nodes.size());
    out.nodes.push_back(std::move(node));
    for (uint32_t k = begin[i + 1]; k > begin[i]; --k) stack.push_back(kids[k - 1]);
  }
  return out;
}

}  // namespace weft::query::analysis
