#pragma once
// The compact trace JSON ("compact-1", docs/api.md, `GET /api/v1/traces/{id}?format=compact`):
// the same information as the native trace JSON, with every string interned in one table,
// spans as fixed-position arrays and times in nanoseconds relative to the trace's start, so
// that a 100k-span trace is a few times smaller and faster to write and to parse.
#include <string>

#include "common/status.h"
#include "model/span.h"
#include "query/trace_view.h"

namespace weft::api {

using namespace weft::model;

// The largest magnitude written as a JSON integer: what a JavaScript number holds exactly.
inline constexpr uint64_t kMaxExactJsonInteger = uint64_t{1} << 53;

// The compact JSON of a whole trace. INVALID_ARGUMENT (the API answers it 422) when a
// relative time does not fit kMaxExactJsonInteger: the trace (last end - first start) or an
// event's distance from the trace start.
Result<std::string> compact_trace_json(const Trace& trace);
// A page or sub-tree: times relative to the whole trace's start, plus "returnedSpanCount",
// "offset" and "nextOffset" as the native form has them.
Result<std::string> compact_trace_part_json(const query::TracePart& part);

}  // namespace weft::api
