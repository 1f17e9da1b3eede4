#pragma once
// What a trace search asks and what it answers, shared by the store (which evaluates
// what it can from its indexes) and the query layer (which applies the rest).
//
// Semantics (DESIGN.md §7), which every store must honour:
//  * The result is a set of TRACES. `service`, `operation` and `span_kind` constrain one
//    span (the "anchor"): some span of the trace has that service AND name AND kind.
//  * Each tag condition must hold on SOME span of the trace; different conditions may hold
//    on different spans. A tag matches a span attribute, a resource attribute or an event
//    attribute whose value's to_string() equals the condition's value; the pseudo-tags
//    `error=true` (status ERROR), `span.kind=<kind>` and `status.code=<unset|ok|error>`
//    match span fields.
//  * min/max duration apply to the trace's duration (latest end - earliest start) unless
//    `duration_of_span` is set, in which case to the anchor span's duration.
//  * The time window [start, end] (inclusive, Unix ns) selects traces whose start time
//    (earliest span start) lies inside it.
//  * Results are ordered newest start first (ties by trace ID), or longest first, then
//    cut to `limit`: the top N, never "the first N found".
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "model/span.h"

namespace weft::model {

struct TagCondition {
  std::string key;
  std::string value;
  friend bool operator==(const TagCondition&, const TagCondition&) = default;
};

enum class TraceOrder : uint8_t { kNewestFirst, kLongestFirst };

struct TraceQuery {
  std::string service;    // empty: any
  std::string operation;  // span name; empty: any
  std::optional<SpanKind> span_kind;
  std::vector<TagCondition> tags;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = std::numeric_limits<uint64_t>::max();
  std::optional<uint64_t> min_duration_nanos;
  std::optional<uint64_t> max_duration_nanos;
  bool duration_of_span = false;
  TraceOrder order = TraceOrder::kNewestFirst;
  size_t limit = 20;
};

// One row of a search result: enough to list a trace without fetching it.
struct TraceSummary {
  TraceId trace_id;
  uint64_t start_unix_nano = 0;  // earliest span start
  uint64_t end_unix_nano = 0;    // latest span end
  std::string root_service;      // of the root span (or the earliest span if no root)
  std::string root_name;
  uint32_t span_count = 0;
  uint32_t error_count = 0;
  // Spans per service, sorted by service name.
  std::vector<std::pair<std::string, uint32_t>> services;
  uint64_t duration_nanos() const {
    return end_unix_nano > start_unix_nano ? end_unix_nano - start_unix_nano : 0;
  }
};

struct OperationInfo {
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  friend bool operator==(const OperationInfo&, const OperationInfo&) = default;
  friend auto operator<=>(const OperationInfo&, const OperationInfo&) = default;
};

// parent -> child calls between services, from the service graph kept at ingest
// (src/pipeline/graph): a CLIENT span matched with its SERVER span (or PRODUCER with
// CONSUMER) counts one call, an error if either side is; a CLIENT span whose peer sends no
// spans (a database, a queue, an outside host) counts a call to a virtual child named from
// its attributes.
struct DependencyLink {
  std::string parent;
  std::string child;
  uint64_t call_count = 0;
  uint64_t error_count = 0;
  std::string child_kind = "service";  // service | database | messaging | external
  bool virtual_child = false;          // the child sent no spans: named from attributes
};

}  // namespace weft::model
