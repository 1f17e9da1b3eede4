// Cost of one sampling decision (ShouldSample runs for every span start). Single-threaded
// and, with ->Threads(2), contended.
#include <benchmark/benchmark.h>

#include "weft/sampler.h"

namespace {

using namespace weft;

void Run(benchmark::State& state, Sampler& sampler, bool with_parent) {
  SpanContext parent;
  if (with_parent) {
    parent.trace_id = NewTraceId();
    parent.span_id = NewSpanId();
    parent.flags = kTraceFlagSampled;
  }
  TraceId ids[256];
  for (auto& id : ids) id = with_parent ? parent.trace_id : NewTraceId();
  size_t i = 0;
  for (auto _ : state) {
    SamplingDecision d = sampler.ShouldSample(
        SamplingParams{parent, ids[i++ & 255], "GET /orders", SpanKind::kServer});
    benchmark::DoNotOptimize(d);
  }
}

void BM_AlwaysOn(benchmark::State& state) { Run(state, *AlwaysOnSampler(), false); }
void BM_TraceIdRatio(benchmark::State& state) {
  static auto s = TraceIdRatioSampler(0.25);
  Run(state, *s, false);
}
void BM_ParentBasedChild(benchmark::State& state) {
  static auto s = ParentBasedSampler(TraceIdRatioSampler(0.25));
  Run(state, *s, true);
}
void BM_RateLimitingSaturated(benchmark::State& state) {
  static auto s = RateLimitingSampler(100);
  Run(state, *s, false);
}
void BM_PerWindowSaturated(benchmark::State& state) {
  static auto s = PerWindowSampler(3, std::chrono::seconds(3));
  Run(state, *s, false);
}
void BM_PerOperation(benchmark::State& state) {
  static auto s = [] {
    std::vector<OperationRule> rules;
    for (int i = 0; i < 100; ++i)
      rules.push_back({"GET /op" + std::to_string(i), AlwaysOnSampler()});
    rules.push_back({"GET /orders", TraceIdRatioSampler(0.5)});
    return PerOperationSampler(std::move(rules), AlwaysOffSampler());
  }();
  Run(state, *s, false);
}
void BM_Remote(benchmark::State& state) {
  // Nothing listens on port 1: the polls fail (once a minute) and `initial` decides; what is
  // measured is the per-decision indirection.
  static auto s = RemoteSampler({.endpoint = "http://127.0.0.1:1",
                                 .service_name = "bench",
                                 .poll_interval = std::chrono::seconds(60),
                                 .initial = TraceIdRatioSampler(0.25)});
  Run(state, *s, false);
}

BENCHMARK(BM_AlwaysOn);
BENCHMARK(BM_TraceIdRatio)->Threads(1)->Threads(2);
BENCHMARK(BM_ParentBasedChild);
BENCHMARK(BM_RateLimitingSaturated)->Threads(1)->Threads(2);
BENCHMARK(BM_PerWindowSaturated)->Threads(1)->Threads(2);
BENCHMARK(BM_PerOperation);
BENCHMARK(BM_Remote)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
