#include "store/sources.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "store/head/span_match.h"
#include "store/head/trace_entry.h"

namespace weft::store {

using namespace weft::model;

namespace {

std::vector<const Head*> heads_of(const Sources& s) {
  std::vector<const Head*> h{s.head.get()};
  if (s.frozen) h.push_back(s.frozen.get());
  return h;
}

template <typename T, typename Fn>
std::vector<T> sorted_union(const Sources& s, Fn&& of) {
  std::set<T> all;
  for (const Head* h : heads_of(s))
    for (auto& v : of.head(*h)) all.insert(std::move(v));
  for (const auto& b : *s.blocks)
    for (auto& v : of.block(*b)) all.insert(std::move(v));
  return {all.begin(), all.end()};
}

}  // namespace

namespace {

// The parts of one trace from several sources as one trace: each span ID once, sorted by
// (start, span ID).
std::optional<Trace> join_parts(const TraceId& id, std::vector<Trace>&& parts) {
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return std::move(parts[0]);
  Trace whole;
  whole.trace_id = id;
  std::unordered_set<SpanId, FixedIdHash> seen;
  for (Trace& p : parts)
    for (Span& sp : p.spans)
      if (seen.insert(sp.span_id).second) whole.spans.push_back(std::move(sp));
  std::sort(whole.spans.begin(), whole.spans.end(), [](const Span& a, const Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    return a.span_id < b.span_id;
  });
  return whole;
}

}  // namespace

Result<std::optional<Trace>> sources_get_trace(const Sources& s, const TraceId& id) {
  std::vector<Trace> parts;
  for (const Head* h : heads_of(s))
    if (auto t = h->get_trace(id)) parts.push_back(std::move(*t));
  for (const auto& b : *s.blocks) {
    if (!b->may_contain(id)) continue;
    WEFT_ASSIGN_OR_RETURN(std::optional<Trace> t, b->get_trace(id));
    if (t) parts.push_back(std::move(*t));
  }
  return join_parts(id, std::move(parts));
}

Result<std::vector<std::optional<Trace>>> sources_get_traces(const Sources& s,
                                                            const std::vector<TraceId>& ids) {
  std::vector<std::vector<Trace>> parts(ids.size());
  for (const Head* h : heads_of(s))
    for (size_t i = 0; i < ids.size(); ++i)
      if (auto t = h->get_trace(ids[i])) parts[i].push_back(std::move(*t));
  for (const auto& b : *s.blocks) {
    WEFT_RETURN_IF_ERROR(b->get_traces(
        ids, [&](size_t i, Trace&& t) { parts[i].push_back(std::move(t)); }));
  }
  std::vector<std::optional<Trace>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) out[i] = join_parts(ids[i], std::move(parts[i]));
  return out;
}

bool sources_may_match(const Sources& s, const TraceQuery& q) {
  // Each condition on its own: in a split trace they may hold on different parts.
  std::vector<TraceQuery> parts;
  TraceQuery anchor;
  anchor.service = q.service;
  anchor.operation = q.operation;
  anchor.span_kind = q.span_kind;
  parts.push_back(anchor);
  for (const TagCondition& t : q.tags) {
    TraceQuery one;
    one.tags = {t};
    parts.push_back(one);
  }
  for (const TraceQuery& part : parts) {
    bool somewhere = false;
    for (const Head* h : heads_of(s)) somewhere = somewhere || h->may_match(part);
    for (const auto& b : *s.blocks) somewhere = somewhere || b->may_match(part);
    if (!somewhere) return false;
  }
  return true;
}

std::unordered_map<TraceId, uint64_t, FixedIdHash> sources_split_traces(const Sources& s) {
  std::unordered_map<TraceId, uint64_t, FixedIdHash> split;
  auto add = [&](const SplitTrace& st) {
    auto [it, is_new] = split.try_emplace(st.id, st.start);
    if (!is_new) it->second = std::min(it->second, st.start);
  };
  for (const Head* h : heads_of(s))
    for (const SplitTrace& st : h->split_traces()) add(st);
  for (const auto& b : *s.blocks)
    for (const SplitTrace& st : b->split_traces()) add(st);
  return split;
}

Result<std::vector<TraceSummary>> sources_search(const Sources& s, const TraceQuery& q) {
  BlockSearchState state;
  state.limit = q.limit;
  if (q.start_unix_nano > q.end_unix_nano) return state.out;

  // Split traces (spans in several sources) are left out of every source's own search and
  // evaluated whole below; a source that holds part of one cannot judge it.
  const std::unordered_map<TraceId, uint64_t, FixedIdHash> split = sources_split_traces(s);
  std::unordered_set<TraceId, FixedIdHash> excluded;
  for (const auto& [id, start] : split) excluded.insert(id);
  if (!excluded.empty()) state.exclude = &excluded;

  // A head's own limit counts split traces the state then refuses: ask for that many more.
  TraceQuery head_query = q;
  if (head_query.limit) head_query.limit += split.size();
  for (const Head* h : heads_of(s))
    for (TraceSummary& t : h->search(head_query)) state.offer(std::move(t), q.order);

  // Newest first: blocks by their newest trace, so the walk can stop at the first block
  // that cannot improve the result.
  std::vector<const BlockReader*> blocks;
  for (const auto& b : *s.blocks) {
    const BlockMeta& m = b->meta();
    if (m.max_start < q.start_unix_nano || m.min_start > q.end_unix_nano) continue;
    blocks.push_back(b.get());
  }
  std::sort(blocks.begin(), blocks.end(), [](const BlockReader* a, const BlockReader* b) {
    return a->meta().max_start > b->meta().max_start;
  });
  for (const BlockReader* b : blocks) {
    if (q.order == TraceOrder::kNewestFirst &&
        !state.could_take(q.order, std::min(b->meta().max_start, q.end_unix_nano), UINT64_MAX))
      break;
    WEFT_RETURN_IF_ERROR(b->search(q, &state));
  }

  state.exclude = nullptr;
  if (!split.empty() && !sources_may_match(s, q)) return std::move(state.out);
  for (const auto& [id, part_start] : split) {
    // The whole trace starts no later than any part: a part that starts before the window
    // rules the trace out without reading it, and so does one that could not make it into
    // a full newest-first result.
    if (part_start < q.start_unix_nano) continue;
    if (q.order == TraceOrder::kNewestFirst &&
        !state.could_take(q.order, std::min(part_start, q.end_unix_nano), UINT64_MAX))
      continue;
    WEFT_ASSIGN_OR_RETURN(std::optional<Trace> whole, sources_get_trace(s, id));
    if (!whole) continue;  // its blocks were dropped since the snapshot's lists were read
    TraceSummary summary = summarize_trace(*whole);
    if (summary.start_unix_nano < q.start_unix_nano || summary.start_unix_nano > q.end_unix_nano)
      continue;
    if (!state.could_take(q.order, summary.start_unix_nano, summary.duration_nanos())) continue;
    if (spans_match(whole->spans, summary.duration_nanos(), q))
      state.offer(std::move(summary), q.order);
  }
  return std::move(state.out);
}

std::vector<std::string> sources_services(const Sources& s) {
  struct {
    std::vector<std::string> head(const Head& h) { return h.services(); }
    std::vector<std::string> block(const BlockReader& b) { return b.services(); }
  } of;
  return sorted_union<std::string>(s, of);
}

std::vector<OperationInfo> sources_operations(const Sources& s, const std::string& service) {
  struct {
    const std::string& service;
    std::vector<OperationInfo> head(const Head& h) { return h.operations(service); }
    std::vector<OperationInfo> block(const BlockReader& b) { return b.operations(service); }
  } of{service};
  return sorted_union<OperationInfo>(s, of);
}

std::vector<std::string> sources_attribute_keys(const Sources& s) {
  struct {
    std::vector<std::string> head(const Head& h) { return h.attribute_keys(); }
    std::vector<std::string> block(const BlockReader& b) { return b.attribute_keys(); }
  } of;
  return sorted_union<std::string>(s, of);
}

std::vector<std::string> sources_attribute_values(const Sources& s, const std::string& key,
                                                  size_t limit) {
  struct {
    const std::string& key;
    size_t limit;
    std::vector<std::string> head(const Head& h) { return h.attribute_values(key, limit); }
    std::vector<std::string> block(const BlockReader& b) { return b.attribute_values(key, limit); }
  } of{key, limit};
  std::vector<std::string> all = sorted_union<std::string>(s, of);
  if (limit && all.size() > limit) all.resize(limit);
  return all;
}

}  // namespace weft::store
