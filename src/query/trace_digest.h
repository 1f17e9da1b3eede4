#pragma once
// A trace's summary computed from its spans, with what TraceSummary leaves out: per-service
// error counts and the number of orphan spans (whose parent is not in the trace). Used by
// Jaeger's /api/v3/trace-summaries.
#include <cstdint>
#include <string>
#include <vector>

#include "model/query.h"
#include "model/span.h"

namespace weft::query {

using namespace weft::model;

struct ServiceDigest {
  std::string name;
  uint32_t span_count = 0;
  uint32_t error_count = 0;
};

struct TraceDigest {
  TraceSummary summary;
  std::vector<ServiceDigest> services;  // sorted by name
  uint32_t orphan_span_count = 0;
};

// REQUIRES: trace.spans is not empty.
TraceDigest digest_trace(const Trace& trace);

}  // namespace weft::query
