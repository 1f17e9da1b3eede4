#include "analysis/clock_skew.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "model/rpc_id_order.h"

namespace weft::query::analysis {

namespace {

std::string_view host_of_resource(const model::Resource& r) {
  for (const char* key : {"host.name", "host.id", "service.instance.id"}) {
    const model::AnyValue* v = model::find_attribute(r.attributes, key);
    if (v && v->as_string() && !v->as_string()->empty()) return *v->as_string();
  }
  return {};
}

// The host of each span, looked up once per distinct resource (spans share them).
std::vector<std::string_view> hosts_of(const SpanTree& tree) {
  std::vector<std::string_view> hosts(tree.size());
  const model::Resource* last = nullptr;
  std::string_view last_host;
  std::unordered_map<const model::Resource*, std::string_view> seen;
  for (uint32_t i = 0; i < tree.size(); ++i) {
    const model::Resource* r = tree.span(i).resource.get();
    if (!r) continue;
    if (r != last) {
      auto [it, is_new] = seen.try_emplace(r);
      if (is_new) it->second = host_of_resource(*r);
      last = r;
      last_host = it->second;
    }
    hosts[i] = last_host;
  }
  return hosts;
}

uint64_t shifted(uint64_t t, int64_t delta) {
  if (delta < 0 && static_cast<uint64_t>(-delta) > t) return 0;
  return t + static_cast<uint64_t>(delta);
}

// The delta that centres `child` (times as given) inside `parent` (times as adjusted).
int64_t skew_of(uint64_t c_start, uint64_t c_end, uint64_t p_start, uint64_t p_end) {
  const uint64_t c_dur = c_end > c_start ? c_end - c_start : 0;
  const uint64_t p_dur = p_end > p_start ? p_end - p_start : 0;
  if (p_dur < c_dur) {
    // Longer than its parent: it cannot fit; at least do not let it start first.
    return c_start < p_start ? static_cast<int64_t>(p_start - c_start) : 0;
  }
  if (c_start >= p_start && c_end <= p_end) return 0;
  const uint64_t latency = (p_dur - c_dur) / 2;
  return static_cast<int64_t>(p_start + latency) - static_cast<int64_t>(c_start);
}

}  // namespace

std::vector<int64_t> clock_skew_deltas(const SpanTree& tree) {
  // Pass 1: centre server spans in their clients, the spans below following.
  const std::vector<std::string_view> host = hosts_of(tree);
  std::vector<int64_t> delta(tree.size(), 0);
  for (uint32_t root : tree.roots()) {
    for (uint32_t i : tree.subtree(root)) {
      const uint32_t p = tree.parent(i);
      if (p == SpanTree::kNone) continue;
      const model::Span& s = tree.span(i);
      const model::Span& ps = tree.span(p);
      const bool known = !host[i].empty() && !host[p].empty();
      const bool pair =
          s.kind == model::SpanKind::kServer && ps.kind == model::SpanKind::kClient;
      if (pair && !(known && host[i] == host[p])) {
        delta[i] = skew_of(s.start_time_unix_nano, s.end_time_unix_nano,
                           shifted(ps.start_time_unix_nano, delta[p]),
                           shifted(ps.end_time_unix_nano, delta[p]));
      } else {
        delta[i] = known && host[i] != host[p] ? 0 : delta[p];
      }
    }
  }
  // Pass 2: RpcId order. Among a parent's children from other (or unknown) hosts that carry
  // RpcIds, one the counter puts after a sibling but whose clock starts it before that
  // sibling moves to start with it, as far as its parent's end allows; its subtree moves
  // along (`carry`, handed down parents first).
  const auto& spans = tree.trace().spans;
  if (std::none_of(spans.begin(), spans.end(), [](const model::Span& s) { return !s.rpc_id.empty(); }))
    return delta;
  std::vector<int64_t> carry(tree.size(), 0);
  std::vector<uint32_t> ordered;
  for (uint32_t root : tree.roots()) {
    for (uint32_t p : tree.subtree(root)) {
      const model::Span& ps = tree.span(p);
      ordered.clear();
      for (uint32_t c : tree.children(p)) {
        carry[c] = carry[p];
        const model::Span& cs = tree.span(c);
        if (!cs.rpc_id.empty() && (host[c].empty() || host[c] != host[p])) ordered.push_back(c);
      }
      if (ordered.size() < 2) continue;
      std::stable_sort(ordered.begin(), ordered.end(), [&](uint32_t a, uint32_t b) {
        return model::compare_rpc_ids(tree.span(a).rpc_id, tree.span(b).rpc_id) < 0;
      });
      const uint64_t p_end = shifted(ps.end_time_unix_nano, delta[p] + carry[p]);
      uint64_t latest_start = 0;
      for (uint32_t c : ordered) {
        const model::Span& cs = tree.span(c);
        const uint64_t start = shifted(cs.start_time_unix_nano, delta[c] + carry[c]);
        const uint64_t end = shifted(cs.end_time_unix_nano, delta[c] + carry[c]);
        if (start < latest_start) {
          const uint64_t room = p_end > end ? p_end - end : 0;
          const uint64_t move = std::min(latest_start - start, room);
          carry[c] += static_cast<int64_t>(move);
          latest_start = std::max(latest_start, start + move);
        } else {
          latest_start = start;
        }
      }
    }
  }
  for (size_t i = 0; i < delta.size(); ++i) delta[i] += carry[i];
  return delta;
}

uint32_t adjust_clock_skew(model::Trace& trace) {
  std::vector<int64_t> deltas;
  {
    const SpanTree tree(trace);
    deltas = clock_skew_deltas(tree);
  }
  return apply_clock_skew(trace, deltas);
}

uint32_t apply_clock_skew(model::Trace& trace, const std::vector<int64_t>& deltas) {
  uint32_t moved = 0;
  for (size_t i = 0; i < trace.spans.size(); ++i) {
    const int64_t d = deltas[i];
    if (d == 0) continue;
    model::Span& s = trace.spans[i];
    s.start_time_unix_nano = shifted(s.start_time_unix_nano, d);
    s.end_time_unix_nano = shifted(s.end_time_unix_nano, d);
    for (model::SpanEvent& e : s.events) e.time_unix_nano = shifted(e.time_unix_nano, d);
    s.attributes.push_back({kSkewAttribute, model::AnyValue(d)});
    ++moved;
  }
  return moved;
}

}  // namespace weft::query::analysis
