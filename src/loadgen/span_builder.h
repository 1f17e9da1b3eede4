#pragma once
// Internal to loadgen: turns a laid-out TraceShape into model spans with the attributes,
// events, statuses and links of WORKLOAD.md.
#include <cstdint>
#include <vector>

#include "loadgen/prng.h"
#include "loadgen/trace_shape.h"
#include "model/span.h"

namespace weft::loadgen::detail {

using namespace weft::model;

// What all spans of one trace share.
struct TraceContext {
  TraceId trace_id;
  uint64_t start_unix_nano = 0;  // node times are offsets from this
  int64_t user_id = 0;           // 0..99,999
  int region = 0;                // 0..5
  bool slow_cohort = false;      // root and slow span carry feature.flag=new-pricing
};

// One span per node, in node order. Span IDs are drawn from `rng` (never zero).
std::vector<Span> build_spans(Prng& rng, const TraceShape& shape, const TraceContext& context);

}  // namespace weft::loadgen::detail
