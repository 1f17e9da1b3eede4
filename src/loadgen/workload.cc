#include "loadgen/workload.h"

#include <algorithm>
#include <tuple>

#include "loadgen/span_builder.h"
#include "loadgen/trace_shape.h"

namespace weft::loadgen {

using namespace weft::model;

namespace {

using detail::Node;
using detail::Op;

constexpr int kMaxRegularSpans = 60;
constexpr uint64_t kGeometricMean = 10;  // P(one more span) = 1 - 1/10
constexpr int64_t kLargeMin = 1'000, kLargeMax = 5'000;
constexpr int64_t kSlowMin = 10, kSlowMax = 50;

int draw_span_count(Prng& rng, uint32_t large_ppm) {
  if (rng.chance_ppm(large_ppm)) return static_cast<int>(rng.between(kLargeMin, kLargeMax));
  int count = 1;
  while (count < kMaxRegularSpans && rng.below(kGeometricMean) != 0) ++count;
  return count;
}

// A uniformly chosen node satisfying `pred`, or -1 if none does.
template <typename Pred>
int pick_node(Prng& rng, const detail::TraceShape& shape, Pred pred) {
  std::vector<int> candidates;
  for (size_t i = 0; i < shape.nodes.size(); ++i)
    if (pred(shape.nodes[i])) candidates.push_back(static_cast<int>(i));
  return candidates.empty() ? -1 : candidates[rng.below(candidates.size())];
}

// One span of the trace fails; half of the time its CLIENT ancestors report the error too.
void inject_error(Prng& rng, detail::TraceShape& shape) {
  const int failing = pick_node(
      rng, shape, [](const Node& n) { return n.op != Op::kRpcClient && n.op != Op::kProducer; });
  if (failing < 0) return;
  shape.nodes[static_cast<size_t>(failing)].error = true;
  if (rng.below(2) != 0) return;
  for (int p = shape.nodes[static_cast<size_t>(failing)].parent; p >= 0;
       p = shape.nodes[static_cast<size_t>(p)].parent) {
    shape.nodes[static_cast<size_t>(p)].error_propagated = true;
  }
}

// One span doing its own work (not waiting on a child) becomes 10-50x slower.
bool inject_slowness(Prng& rng, detail::TraceShape& shape) {
  const int slow = pick_node(
      rng, shape, [](const Node& n) { return n.children.empty() && n.op != Op::kRpcClient; });
  if (slow < 0) return false;
  shape.nodes[static_cast<size_t>(slow)].slowdown =
      static_cast<double>(rng.between(kSlowMin, kSlowMax));
  return true;
}

}  // namespace

WorkloadGenerator::WorkloadGenerator(const WorkloadOptions& options)
    : options_(options), rng_(options.seed) {}

Trace WorkloadGenerator::next_trace() {
  ++traces_;
  detail::TraceContext ctx;
  const uint64_t hi = rng_.next(), lo = rng_.next();
  for (size_t b = 0; b < 8; ++b) {
    ctx.trace_id.bytes[b] = static_cast<uint8_t>(hi >> (56 - 8 * b));
    ctx.trace_id.bytes[8 + b] = static_cast<uint8_t>(lo >> (56 - 8 * b));
  }
  if (ctx.trace_id.is_zero()) ctx.trace_id.bytes[15] = 1;

  detail::TraceShape shape =
      detail::build_shape(rng_, draw_span_count(rng_, options_.large_trace_ppm));
  if (rng_.chance_ppm(options_.slow_trace_ppm)) ctx.slow_cohort = inject_slowness(rng_, shape);
  if (rng_.chance_ppm(options_.error_trace_ppm)) inject_error(rng_, shape);
  detail::lay_out_times(rng_, shape);

  ctx.start_unix_nano =
      options_.start_unix_nano + (options_.window_nanos ? rng_.below(options_.window_nanos) : 0);
  ctx.user_id = static_cast<int64_t>(rng_.below(100'000));
  ctx.region = static_cast<int>(rng_.below(6));

  Trace trace;
  trace.trace_id = ctx.trace_id;
  trace.spans = detail::build_spans(rng_, shape, ctx);
  std::sort(trace.spans.begin(), trace.spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.start_time_unix_nano, a.span_id) <
           std::tie(b.start_time_unix_nano, b.span_id);
  });
  return trace;
}

}  // namespace weft::loadgen
