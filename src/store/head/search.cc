// Head::search: trace search over the head under the semantics of model/query.h.
//
// Plan: (1) answer "nothing" at once when an index proves no trace can match (unknown
// service or operation, a tag value never seen); (2) walk the candidate traces (the
// service's, or all) newest first within the time window; (3) test each trace: trace
// duration, then an anchor span, then each tag on any span; (4) newest-first stops after
// `limit` matches, since the walk is already in result order; longest-first keeps the top
// `limit` by (duration desc, trace ID asc). A limit of 0 means no limit.
#include <algorithm>
#include <mutex>
#include <queue>

#include "store/head/head.h"
#include "store/head/span_match.h"
#include "store/head/span_record.h"

namespace weft::store {

using namespace weft::model;

namespace {

// Trace-level conditions on the trace's records; `scratch` holds their views.
bool trace_matches(const TraceEntry& t, const RecordQuery& rq,
                   std::vector<SpanRecordView>* scratch) {
  t.views(scratch);
  return rq.records_match(*scratch, t.duration());
}

struct LongerFirst {
  // Orders "a before b" in the result; the heap keeps the worst on top.
  bool operator()(const TraceEntry* a, const TraceEntry* b) const {
    if (a->duration() != b->duration()) return a->duration() > b->duration();
    return a->id < b->id;
  }
};

}  // namespace

bool Head::may_match(const TraceQuery& q) const {
  std::shared_lock lock(mu_);
  if (!q.service.empty() && !index_.traces_of(q.service)) return false;
  if ((!q.service.empty() || !q.operation.empty() || q.span_kind) &&
      !index_.has_operation(q.service, q.operation, q.span_kind))
    return false;
  for (const TagCondition& tag : q.tags)
    if (!is_pseudo_tag(tag.key) && !index_.may_have_tag(tag.key, tag.value)) return false;
  return true;
}

std::vector<TraceSummary> Head::search(const TraceQuery& q) const {
  std::vector<TraceSummary> out;
  if (q.start_unix_nano > q.end_unix_nano) return out;
  if (q.min_duration_nanos && q.max_duration_nanos && *q.min_duration_nanos > *q.max_duration_nanos)
    return out;
  const size_t limit = q.limit == 0 ? SIZE_MAX : q.limit;

  std::shared_lock lock(mu_);
  const TimeOrderedTraces* candidates = &index_.all_traces();
  if (!q.service.empty()) {
    candidates = index_.traces_of(q.service);
    if (!candidates) return out;
  }
  if ((!q.service.empty() || !q.operation.empty() || q.span_kind) &&
      !index_.has_operation(q.service, q.operation, q.span_kind))
    return out;
  for (const TagCondition& tag : q.tags)
    if (!is_pseudo_tag(tag.key) && !index_.may_have_tag(tag.key, tag.value)) return out;

  const RecordQuery rq(q, tables_);
  if (query_has_anchor(q) && !rq.anchor_possible()) return out;
  std::vector<SpanRecordView> views;
  if (q.order == TraceOrder::kNewestFirst) {
    candidates->newest_first(q.start_unix_nano, q.end_unix_nano, [&](const TimeKey& k) {
      const TraceEntry& t = *k.entry;
      if (!q.duration_of_span && ((q.min_duration_nanos && t.duration() < *q.min_duration_nanos) ||
                                  (q.max_duration_nanos && t.duration() > *q.max_duration_nanos)))
        return true;
      if (trace_matches(t, rq, &views)) out.push_back(t.summary(tables_));
      return out.size() < limit;
    });
    return out;
  }
  std::priority_queue<const TraceEntry*, std::vector<const TraceEntry*>, LongerFirst> top;
  candidates->newest_first(q.start_unix_nano, q.end_unix_nano, [&](const TimeKey& k) {
    const TraceEntry* t = k.entry;
    if (top.size() == limit && !LongerFirst{}(t, top.top())) return true;  // cheap reject first
    if (!trace_matches(*t, rq, &views)) return true;
    top.push(t);
    if (top.size() > limit) top.pop();
    return true;
  });
  std::vector<const TraceEntry*> best;
  best.reserve(top.size());
  for (; !top.empty(); top.pop()) best.push_back(top.top());
  std::reverse(best.begin(), best.end());
  out.reserve(best.size());
  for (const TraceEntry* t : best) out.push_back(t->summary(tables_));
  return out;
}

}  // namespace weft::store
