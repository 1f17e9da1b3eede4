#include "analysis/critical_path.h"

#include <algorithm>
#include <map>
#include <utility>

namespace weft::query::analysis {

namespace {

struct Window {
  uint64_t lo = 0, hi = 0;
};

Window clip(const model::Span& s, const Window& parent) {
  Window w{std::max(s.start_time_unix_nano, parent.lo),
           std::min(std::max(s.end_time_unix_nano, s.start_time_unix_nano), parent.hi)};
  if (w.hi < w.lo) w.hi = w.lo;  // entirely outside: empty
  return w;
}

// One span being walked: its window, the time down to which the path is covered, and the
// next of its children (by clipped end, latest first) to consider.
struct Frame {
  uint32_t span;
  Window window;
  uint64_t t;
  std::vector<std::pair<Window, uint32_t>> children;  // (clipped window, span), latest end first
  size_t next = 0;
};

Frame enter(const SpanTree& tree, uint32_t span, const Window& window) {
  Frame f{span, window, window.hi, {}, 0};
  for (uint32_t c : tree.children(span)) {
    const Window w = clip(tree.span(c), window);
    if (w.hi > w.lo) f.children.emplace_back(w, c);
  }
  std::sort(f.children.begin(), f.children.end(), [&](const auto& a, const auto& b) {
    if (a.first.hi != b.first.hi) return a.first.hi > b.first.hi;
    return tree.span(a.second).span_id > tree.span(b.second).span_id;
  });
  return f;
}

}  // namespace

CriticalPath critical_path(const SpanTree& tree) { return critical_path(tree, tree.main_root()); }

CriticalPath critical_path(const SpanTree& tree, uint32_t root_index) {
  CriticalPath out;
  if (root_index == SpanTree::kNone || root_index >= tree.size()) return out;
  out.root = root_index;
  const model::Span& root = tree.span(out.root);
  const Window root_window{root.start_time_unix_nano,
                           std::max(root.end_time_unix_nano, root.start_time_unix_nano)};
  // Segments are found from the end backwards; reversed at the end.
  std::vector<PathSegment>& seg = out.segments;
  auto hold = [&seg](uint32_t span, uint64_t from, uint64_t to) {
    if (to <= from) return;
    if (!seg.empty() && seg.back().span == span && seg.back().start_unix_nano == to)
      seg.back().start_unix_nano = from;  // contiguous with the previous piece of this span
    else
      seg.push_back({span, from, to});
  };
  std::vector<Frame> stack;
  stack.push_back(enter(tree, out.root, root_window));
  while (!stack.empty()) {
    Frame& f = stack.back();
    bool descended = false;
    while (f.next < f.children.size() && f.t > f.window.lo) {
      const auto [w, c] = f.children[f.next++];
      if (w.hi > f.t) continue;  // overlaps what a later-finishing child covers
      hold(f.span, w.hi, f.t);
      f.t = w.lo;
      stack.push_back(enter(tree, c, w));  // invalidates f
      descended = true;
      break;
    }
    if (descended) continue;
    hold(f.span, f.window.lo, f.t);
    stack.pop_back();
  }
  std::reverse(seg.begin(), seg.end());
  if (seg.empty() && root_window.hi == root_window.lo)
    seg.push_back({out.root, root_window.lo, root_window.hi});  // a zero-length root

  std::map<std::pair<std::string, std::string>, SelfTime> by_op;
  for (const PathSegment& s : seg) {
    const model::Span& sp = tree.span(s.span);
    SelfTime& st = by_op[{std::string(sp.service_name()), sp.name}];
    st.nanos += s.end_unix_nano - s.start_unix_nano;
    ++st.segments;
  }
  for (auto& [key, st] : by_op) {
    st.service = key.first;
    st.operation = key.second;
    out.self_times.push_back(std::move(st));
  }
  std::stable_sort(out.self_times.begin(), out.self_times.end(),
                   [](const SelfTime& a, const SelfTime& b) { return a.nanos > b.nanos; });
  return out;
}

}  // namespace weft::query::analysis
