#pragma once
// Clock-skew adjustment of one trace (as Jaeger's clockskew adjuster, which Zipkin's UI
// does alike), on client/server span pairs: a SERVER span whose parent is a CLIENT span on
// another host, and whose times stick out of the client's, is moved so that it sits centred
// inside it — the network assumed to take as long each way — and the spans under it on its
// host move with it. Only such pairs say anything about two clocks: a child that outlives
// its parent in one process (fire-and-forget), a consumer that starts after its producer
// ended, are what happened and stay where they are.
//
// Walking the tree parents first (SpanTree::subtree), each span gets a delta:
//  * a root: 0;
//  * a SERVER span under a CLIENT span, unless both are known to be on one host: relative
//    to the client as already adjusted, 0 if it fits inside; if it is longer than the
//    client, just enough to start with it when it starts earlier (else 0); else
//    client.start + (client.duration - duration) / 2 - start;
//  * any other span: its parent's delta (one process, one clock) — but 0 if both hosts are
//    known and differ (nothing to align it with).
// The host is the resource's `host.name`, else `host.id`, else `service.instance.id`; none:
// unknown.
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
