#pragma once
// Parts of one trace, for traces too large to send whole (a 100k-span trace is tens of MB
// of JSON): a page of spans in the trace's order, or the sub-tree under one span.
#include <cstdint>
#include <optional>

#include "common/status.h"
#include "model/span.h"

namespace weft::query {

using namespace weft::model;

// What a part leaves out: the whole trace's figures, and where the next page starts.
struct TracePart {
  Trace spans;                   // the selected spans, in the trace's order
  uint64_t total_spans = 0;      // in the whole trace
  uint64_t start_unix_nano = 0;  // of the whole trace
  uint64_t end_unix_nano = 0;
  uint64_t offset = 0;                  // index of the first selected span (pages)
  std::optional<uint64_t> next_offset;  // pages: where the next page starts, if any
};

// Spans [offset, offset + limit) of `trace` (sorted by start, then span ID).
TracePart trace_page(Trace&& trace, uint64_t offset, uint64_t limit);

// `root` and its descendants down to `depth` levels below it (0: the root alone; UINT32_MAX:
// all), in the trace's order. NOT_FOUND if the trace has no span `root`.
Result<TracePart> trace_subtree(Trace&& trace, const SpanId& root, uint32_t depth);

}  // namespace weft::query
