#pragma once
// Clock-skew adjustment of one trace (as Jaeger's clockskew adjuster, which Zipkin's UI
// does alike): a span from another host than its parent whose times stick out of its
// parent's is moved so that it sits centred inside it — the network assumed to take as long
// each way — and everything below it on its host moves with it.
//
// Walking the tree parents first (SpanTree::subtree), each span gets a delta:
//  * a root: 0;
//  * a span on the same host as its parent (and the host known): its parent's delta — one
//    host has one clock;
//  * otherwise, relative to the parent as already adjusted: 0 if it fits inside; if it is
//    longer than its parent, just enough to start with it when it starts earlier (else 0);
//    else parent.start + (parent.duration - duration) / 2 - start.
// The host is the resource's `host.name`, else `host.id`, else `service.instance.id`; none:
// unknown, so each such span is compared with its parent on its own.
// Then RpcId order (log-built traces, whose timestamps may be whole seconds): among one
// parent's children from other or unknown hosts that carry RpcIds, a call the counter puts
// after a sibling but whose (adjusted) clock starts it before that sibling's start is moved
// later to start with it — no further than its parent's end allows — its subtree with it.
#include <cstdint>
#include <vector>

#include "analysis/span_tree.h"

namespace weft::query::analysis {

// The attribute that records a span's move, in ns (signed), on spans that moved.
inline constexpr const char* kSkewAttribute = "weft.skew.adjust_ns";

// One delta per span (index as in the trace), ns to add to its times.
std::vector<int64_t> clock_skew_deltas(const SpanTree& tree);

// Adds `deltas[i]` to span i's start, end and event times and records it as
// kSkewAttribute on each span that moved. Returns how many spans moved.
// REQUIRES: deltas.size() == trace.spans.size().
uint32_t apply_clock_skew(model::Trace& trace, const std::vector<int64_t>& deltas);

// clock_skew_deltas of the trace, applied. Returns how many spans moved. The order of
// trace.spans is kept (a moved span may now start before one listed earlier).
uint32_t adjust_clock_skew(model::Trace& trace);

}  // namespace weft::query::analysis
