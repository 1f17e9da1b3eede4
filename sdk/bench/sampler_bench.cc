// Cost of one sampling decision (ShouldSample runs for every span start). Single-threaded
// and, with ->Threads(2), contended.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <thread>

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

// The public rate samplers on the real clock (moved here from the unit tests, which have no
// wall-clock assertions): decisions every 100 µs of real time for 0.3 s. The counters are
// what came out — admitted/s for RateLimitingSampler(100) should be 100 plus the burst of
// 100 spread over the run, and PerWindowSampler(2, 100 ms) about 2 per 100 ms window.
void BM_RateLimitingRealClock(benchmark::State& state) {
  double admitted = 0, seconds = 0;
  for (auto _ : state) {
    auto s = RateLimitingSampler(100);
    const auto start = std::chrono::steady_clock::now();
    int n = 0;
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300)) {
      n += s->ShouldSample(SamplingParams{SpanContext{}, NewTraceId(), "op", SpanKind::kServer}) ==
           SamplingDecision::kRecordAndSample;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    admitted += n - 100;  // less the initial burst
  }
  state.counters["admitted_after_burst/s"] = admitted / seconds;  // expect ~100
}
void BM_PerWindowRealClock(benchmark::State& state) {
  double admitted = 0, windows = 0;
  for (auto _ : state) {
    auto s = PerWindowSampler(2, std::chrono::milliseconds(100));
    const auto start = std::chrono::steady_clock::now();
    int n = 0;
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300)) {
      n += s->ShouldSample(SamplingParams{SpanContext{}, NewTraceId(), "op", SpanKind::kServer}) ==
           SamplingDecision::kRecordAndSample;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    // Windows touched (counted from the sampler's creation, the last one partly).
    windows +=
        std::floor(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
                   0.1) +
        1;
    admitted += n;
  }
  state.counters["admitted/window"] = admitted / windows;  // expect 2
}

BENCHMARK(BM_AlwaysOn);
BENCHMARK(BM_TraceIdRatio)->Threads(1)->Threads(2);
BENCHMARK(BM_ParentBasedChild);
BENCHMARK(BM_RateLimitingSaturated)->Threads(1)->Threads(2);
BENCHMARK(BM_PerWindowSaturated)->Threads(1)->Threads(2);
BENCHMARK(BM_PerOperation);
BENCHMARK(BM_Remote)->Threads(1)->Threads(2);
BENCHMARK(BM_RateLimitingRealClock)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PerWindowRealClock)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
