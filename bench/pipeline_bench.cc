// The pipeline's added CPU per span (issue 12, item 8: RED metrics + service graph
// <= 0.3 µs per span): batches of the reference workload (../shared/WORKLOAD.md, traces in
// the order they end, 100-span batches) through observe() + commit() of each processor, with the
// clocks following the data so pairs expire as they would live. No store behind: the
// figure is what the processors add to ingest.
//
// Run: build/bench/pipeline_bench [--benchmark_repetitions=5]
// Each repetition is one pass over the workload with fresh processors (Iterations(1)).
// Counter per_span: CPU time of the benchmark thread per span.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "graph/service_graph.h"
#include "loadgen/workload.h"
#include "metrics/metrics_store.h"
#include "metrics/red_processor.h"

namespace weft {
namespace {

using namespace weft::model;

constexpr size_t kBatchSpans = 100;
constexpr size_t kTraces = 20'000;  // ~200k spans: every series and edge of the topology

struct Pass {
  std::vector<SpanBatch> batches;
  std::vector<uint64_t> batch_end;  // the latest end time of each batch (the clocks)
};
// The same traces twice, the second pass 10 minutes later: the first warms the processors
// up (series exist, tables have grown, as in a server that has run a while) and is not
// timed; the second is the measured steady state.
struct Workload {
  Pass warm, timed;
  size_t spans = 0;  // per pass
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    Pass& pass = out.warm;
    loadgen::WorkloadOptions options;
    options.large_trace_ppm = 0;  // keep batches of similar size
    loadgen::WorkloadGenerator generator(options);
    // The generator spreads trace starts uniformly over its window; a server receives them
    // roughly in the order they end.
    std::vector<Trace> traces;
    for (size_t t = 0; t < kTraces; ++t) traces.push_back(generator.next_trace());
    auto trace_end = [](const Trace& t) {
      uint64_t e = 0;
      for (const Span& s : t.spans) e = std::max(e, s.end_time_unix_nano);
      return e;
    };
    std::sort(traces.begin(), traces.end(),
              [&](const Trace& a, const Trace& b) { return trace_end(a) < trace_end(b); });
    SpanBatch batch;
    uint64_t end = 0;
    for (Trace& trace : traces) {
      for (Span& s : trace.spans) {
        end = std::max(end, s.end_time_unix_nano);
        batch.spans.push_back(std::move(s));
        if (batch.spans.size() == kBatchSpans) {
          out.spans += batch.spans.size();
          pass.batches.push_back(std::move(batch));
          pass.batch_end.push_back(end);
          batch = {};
        }
      }
    }
    out.timed = out.warm;
    for (SpanBatch& b : out.timed.batches)
      for (Span& s : b.spans) {
        s.start_time_unix_nano += options.window_nanos;
        s.end_time_unix_nano += options.window_nanos;
      }
    for (uint64_t& e : out.timed.batch_end) e += options.window_nanos;
    return out;
  }();
  return w;
}

std::unique_ptr<pipeline::metrics::MetricsStore> open_metrics(const Clock& clock) {
  pipeline::metrics::MetricsStoreOptions o;  // memory only: the hot path, not the flushes
  o.clock = &clock;
  return std::move(pipeline::metrics::MetricsStore::open(o)).value();
}

void replay(const Pass& pass, ManualClock& clock,
            const std::vector<pipeline::Processor*>& processors) {
  for (size_t b = 0; b < pass.batches.size(); ++b) {
    clock.set(pass.batch_end[b]);
    for (pipeline::Processor* p : processors)
      if (auto o = p->observe(pass.batches[b])) o->commit();
  }
}

// Warms `processors` up on the first pass, then times the second.
void run(benchmark::State& state, ManualClock& clock,
         const std::vector<pipeline::Processor*>& processors) {
  const Workload& w = workload();
  replay(w.warm, clock, processors);
  for (auto _ : state) replay(w.timed, clock, processors);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * w.spans));
  state.counters["per_span"] = benchmark::Counter(
      static_cast<double>(state.iterations() * w.spans),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_RedMetrics(benchmark::State& state) {
  ManualClock clock(workload().warm.batch_end.front());
  auto store = open_metrics(clock);
  pipeline::metrics::RedProcessor red(*store);
  run(state, clock, {&red});
}
BENCHMARK(BM_RedMetrics)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ServiceGraph(benchmark::State& state) {
  ManualClock clock(workload().warm.batch_end.front());
  auto store = open_metrics(clock);
  pipeline::graph::ServiceGraph graph(
      {}, [&store](std::vector<pipeline::EdgeSample>&& e) { store->record_edges(e); },
      [&clock] { return clock.now_unix_nanos(); });
  run(state, clock, {&graph});
}
BENCHMARK(BM_ServiceGraph)->Unit(benchmark::kMillisecond)->Iterations(1);

// The target's figure: both processors, as `weft serve` chains them.
void BM_MetricsAndGraph(benchmark::State& state) {
  ManualClock clock(workload().warm.batch_end.front());
  auto store = open_metrics(clock);
  pipeline::metrics::RedProcessor red(*store);
  pipeline::graph::ServiceGraph graph(
      {}, [&store](std::vector<pipeline::EdgeSample>&& e) { store->record_edges(e); },
      [&clock] { return clock.now_unix_nanos(); });
  run(state, clock, {&red, &graph});
}
BENCHMARK(BM_MetricsAndGraph)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace weft

BENCHMARK_MAIN();
