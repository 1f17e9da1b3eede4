#include "analysis/clock_skew.h"

#include <string_view>

namespace weft::query::analysis {

namespace {

std::string_view host_of(const model::Span& s) {
  if (!s.resource) return {};
  for (const char* key : {"host.name", "host.id", "service.instance.id"}) {
    const model::AnyValue* v = model::find_attribute(s.resource->attributes, key);
    if (v && v->as_string() && !v->as_string()->empty()) return *v->as_string();
  }
  return {};
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
  std::vector<int64_t> delta(tree.size(), 0);
  for (uint32_t root : tree.roots()) {
    for (uint32_t i : tree.subtree(root)) {
      const uint32_t p = tree.parent(i);
      if (p == SpanTree::kNone) continue;
      const model::Span& s = tree.span(i);
      const model::Span& ps = tree.span(p);
      const std::string_view host = host_of(s);
      if (!host.empty() && host == host_of(ps)) {
        delta[i] = delta[p];
        continue;
      }
      delta[i] = skew_of(s.start_time_unix_nano, s.end_time_unix_nano,
                         shifted(ps.start_time_unix_nano, delta[p]),
                         shifted(ps.end_time_unix_nano, delta[p]));
    }
  }
  return delta;
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
