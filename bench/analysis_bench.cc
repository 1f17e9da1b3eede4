// Trace analysis (src/query/analysis) on generated traces of a realistic shape: each span
// calls 1-6 others (some in parallel, some one after the other) down to depth 10, across 12
// services of 5 operations each, resources shared per service as decoded batches share them.
//   BM_CriticalPath100kSpans           one 100 000-span trace: SpanTree + critical_path
//   BM_AggregateCriticalPath10kTraces  10 000 traces of ~40 spans (30-50), all added to one
//                                      AggregateCriticalPathBuilder, then finish()
// Traces are built once, outside the timed loop. Run:
//   build/bench/analysis_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=false
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>

#include "analysis/aggregate_critical_path.h"
#include "analysis/clock_skew.h"
#include "analysis/critical_path.h"

namespace {

using namespace weft;  // NOLINT(google-build-using-namespace): benchmark file
using namespace weft::model;
using namespace weft::query::analysis;

constexpr int kServices = 12;
constexpr int kOpsPerService = 5;
constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

struct Catalog {
  std::vector<std::shared_ptr<const Resource>> resources;
  std::vector<std::string> services;
  std::vector<std::vector<std::string>> ops;
  Catalog() {
    static const char* kVerbs[] = {"GET", "POST", "SELECT", "publish", "get"};
    for (int s = 0; s < kServices; ++s) {
      services.push_back(s == 0 ? "frontend" : s == 1 ? "api" : "service-" + std::to_string(s));
      auto r = std::make_shared<Resource>();
      r->attributes = {{"service.name", AnyValue(services.back())},
                       {"host.name", AnyValue("host-" + std::to_string(s))}};
      resources.push_back(r);
      ops.emplace_back();
      for (int o = 0; o < kOpsPerService; ++o)
        ops.back().push_back(std::string(kVerbs[o]) + " /" + services.back() + "/op" +
                             std::to_string(o));
    }
  }
};

const Catalog& catalog() {
  static const Catalog c;
  return c;
}

// A trace of `n` spans, breadth first from the root, each span calling 1-6 children until
// `max_depth`. The root is frontend's op0; its first child api's op0 (the aggregate's entry).
Trace make_trace(std::mt19937_64& rng, uint64_t index, size_t n, uint32_t max_depth) {
  const Catalog& cat = catalog();
  Trace t;
  for (auto& b : t.trace_id.bytes) b = static_cast<uint8_t>(rng());
  t.spans.reserve(n);
  auto add = [&](size_t parent, int service, int op, uint64_t start, uint64_t end) {
    Span s;
    s.trace_id = t.trace_id;
    const uint64_t id = rng() | 1;
    for (int i = 0; i < 8; ++i) s.span_id.bytes[i] = static_cast<uint8_t>(id >> (8 * i));
    if (parent != SIZE_MAX) s.parent_span_id = t.spans[parent].span_id;
    s.name = cat.ops[service][op];
    s.kind = SpanKind::kServer;
    s.start_time_unix_nano = start;
    s.end_time_unix_nano = end;
    s.resource = cat.resources[service];
    t.spans.push_back(std::move(s));
  };
  const uint64_t start = kT0 + index * 1'000'000'000ULL;
  add(SIZE_MAX, 0, 0, start, start + 200'000'000 + rng() % 800'000'000);
  std::vector<uint32_t> depth{0};
  for (size_t i = 0; i < t.spans.size() && t.spans.size() < n; ++i) {
    if (depth[i] >= max_depth) continue;
    const uint64_t s = t.spans[i].start_time_unix_nano, e = t.spans[i].end_time_unix_nano;
    const uint64_t k = 1 + rng() % 6;
    const uint64_t gap = (e - s) / (k + 1);
    if (gap < 2) continue;
    const bool parallel = rng() % 3 == 0;
    for (uint64_t j = 0; j < k && t.spans.size() < n; ++j) {
      // Parallel: all start near the beginning and run most of the window; sequential: one
      // slot each, overlapping the next a little now and then.
      const uint64_t cs = parallel ? s + rng() % gap : s + gap * j + rng() % (gap / 2 + 1);
      const uint64_t len = parallel ? gap + rng() % (e - s - gap) : gap / 2 + rng() % gap;
      const int service = i == 0 && j == 0 ? 1 : 2 + static_cast<int>(rng() % (kServices - 2));
      const int op = i == 0 && j == 0 ? 0 : static_cast<int>(rng() % kOpsPerService);
      add(i, service, op, cs, std::min(cs + len, e));
      depth.push_back(depth[i] + 1);
    }
  }
  std::sort(t.spans.begin(), t.spans.end(), [](const Span& a, const Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    return a.span_id < b.span_id;
  });
  return t;
}

void BM_CriticalPath100kSpans(benchmark::State& state) {
  std::mt19937_64 rng(42);
  const Trace trace = make_trace(rng, 0, 100'000, 10);
  size_t segments = 0;
  for (auto _ : state) {
    SpanTree tree(trace);
    CriticalPath path = critical_path(tree);
    segments = path.segments.size();
    benchmark::DoNotOptimize(path);
  }
  state.counters["spans"] = static_cast<double>(trace.spans.size());
  state.counters["segments"] = static_cast<double>(segments);
}
BENCHMARK(BM_CriticalPath100kSpans)->UseRealTime()->Unit(benchmark::kMillisecond);

// Clock skew of a 100k-span trace: deltas and their application (what every trace fetch
// for display pays), on a copy of the trace made outside the timing.
void BM_ClockSkew100kSpans(benchmark::State& state) {
  std::mt19937_64 rng(42);
  const Trace trace = make_trace(rng, 0, 100'000, 10);
  uint32_t moved = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Trace copy = trace;
    state.ResumeTiming();
    moved = adjust_clock_skew(copy);
    benchmark::DoNotOptimize(copy);
  }
  state.counters["moved"] = moved;
}
BENCHMARK(BM_ClockSkew100kSpans)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_AggregateCriticalPath10kTraces(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::vector<Trace> traces;
  traces.reserve(10'000);
  size_t spans = 0;
  for (uint64_t i = 0; i < 10'000; ++i) {
    traces.push_back(make_trace(rng, i, 30 + rng() % 21, 10));
    spans += traces.back().spans.size();
  }
  const Catalog& cat = catalog();
  size_t shares = 0;
  for (auto _ : state) {
    AggregateCriticalPathBuilder builder(cat.services[1], cat.ops[1][0]);
    for (const Trace& t : traces) builder.add(t);
    AggregateCriticalPath agg = std::move(builder).finish();
    shares = agg.bands.empty() ? 0 : agg.bands[0].shares.size();
    benchmark::DoNotOptimize(agg);
  }
  state.counters["traces"] = static_cast<double>(traces.size());
  state.counters["spans"] = static_cast<double>(spans);
  state.counters["shares"] = static_cast<double>(shares);
}
BENCHMARK(BM_AggregateCriticalPath10kTraces)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
