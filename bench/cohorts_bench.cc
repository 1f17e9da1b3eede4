// Cohorts (src/query/analysis/cohorts.h) at the size of a large request: 100 000 traces of
// ~20 spans (10-30), 5 % of them selected, all added to one CohortAnalyzer, then finish().
//   BM_Cohorts100kTraces  target: at most 1 s per iteration
// The traces: a root in `frontend`, each further span a child of a random earlier one, in
// one of 12 services × 6 operations; resources shared per (service, host) as decoded batches
// share them (service.name, service.version, host.name, deployment.environment,
// k8s.pod.name); span attributes http.method, http.route, http.status_code, user.tier,
// cloud.region, net.peer.port, db.statement on db spans (over 100 characters: cut, the
// literal at its end falls off) and request.id, one value per trace on every span (the
// ID-like key the ID rule drops). One
// trace in 8 has an N+1 loop of 3-24 SELECTs under one span. Selected traces run a new
// service.version of one service more often (the planted cause). Traces are built once,
// outside the timed loop. Run:
//   build/bench/cohorts_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=false
#include <benchmark/benchmark.h>

#include <array>
#include <random>

#include "analysis/cohorts.h"

namespace {

using namespace weft;  // NOLINT(google-build-using-namespace): benchmark file
using namespace weft::model;
using namespace weft::query::analysis;

constexpr int kServices = 12;
constexpr int kHostsPerService = 4;
constexpr int kOpsPerService = 6;
constexpr size_t kTraces = 100'000;
constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

struct Catalog {
  std::vector<std::string> services;
  std::vector<std::vector<std::string>> ops;
  // [service][host][version]: version 1 is the new one (only service 3 has it).
  std::vector<std::vector<std::array<std::shared_ptr<const Resource>, 2>>> resources;
  Catalog() {
    static const char* kVerbs[] = {"GET", "POST", "SELECT", "publish", "get", "PUT"};
    for (int s = 0; s < kServices; ++s) {
      services.push_back(s == 0 ? "frontend" : s == 1 ? "db" : "service-" + std::to_string(s));
      ops.emplace_back();
      for (int o = 0; o < kOpsPerService; ++o)
        ops.back().push_back(s == 1 ? (o == 0 ? "SELECT" : "INSERT " + std::to_string(o))
                                    : std::string(kVerbs[o]) + " /" + services.back() + "/" +
                                          std::to_string(o));
      resources.emplace_back();
      for (int h = 0; h < kHostsPerService; ++h) {
        resources.back().emplace_back();
        for (int v = 0; v < 2; ++v) {
          auto r = std::make_shared<Resource>();
          r->attributes = {
              {"service.name", AnyValue(services.back())},
              {"service.version", AnyValue(v ? "2.4.1" : "2.4.0")},
              {"host.name", AnyValue("host-" + std::to_string(s) + "-" + std::to_string(h))},
              {"deployment.environment", AnyValue("prod")},
              {"k8s.pod.name", AnyValue(services.back() + "-7d9f8b6c5-" + std::to_string(h))}};
          resources.back().back()[v] = r;
        }
      }
    }
  }
};

SpanId span_id(std::mt19937_64& rng) {
  SpanId id;
  const uint64_t v = rng() | 1;
  for (int k = 0; k < 8; ++k) id.bytes[k] = static_cast<uint8_t>(v >> (8 * k));
  return id;
}

Trace make_trace(std::mt19937_64& rng, const Catalog& c, uint64_t index, bool selected) {
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kTiers[] = {"free", "pro", "enterprise"};
  static const char* kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
  Trace t;
  for (int i = 0; i < 16; ++i) t.trace_id.bytes[i] = static_cast<uint8_t>(rng());
  const std::string request_id = t.trace_id.to_hex();
  const int version = selected ? (rng() % 10 < 8) : (rng() % 20 == 0);
  const size_t n = 10 + rng() % 21;
  const size_t loop_at = rng() % 8 == 0 ? 1 + rng() % (n - 1) : SIZE_MAX;
  const size_t loop_len = 3 + rng() % 22;
  const uint64_t start = kT0 + index * 1'000'000;
  for (size_t i = 0; i < n; ++i) {
    Span s;
    s.trace_id = t.trace_id;
    s.span_id = span_id(rng);
    int svc = i == 0 ? 0 : 1 + static_cast<int>(rng() % (kServices - 1));
    int op = static_cast<int>(rng() % kOpsPerService);
    if (i == 0) {
      s.parent_span_id = SpanId{};
    } else if (i >= loop_at && i < loop_at + loop_len) {  // the N+1 loop
      s.parent_span_id = t.spans[loop_at - 1].span_id;
      svc = 1;
      op = 0;
    } else {
      s.parent_span_id = t.spans[rng() % t.spans.size()].span_id;
    }
    s.name = c.ops[svc][op];
    s.start_time_unix_nano = start + i * 1000;
    s.end_time_unix_nano = s.start_time_unix_nano + 1'000'000 + rng() % 50'000'000;
    const int host = static_cast<int>(rng() % kHostsPerService);
    s.resource = c.resources[svc][host][svc == 3 ? version : 0];
    const int status = rng() % 20 == 0 ? 500 : 200;
    s.attributes = {
        {"http.method", AnyValue(kMethods[op % 4])},
        {"http.route", AnyValue("/api/v1/" + c.services[svc] + "/" + std::to_string(op))},
        {"http.status_code", AnyValue(int64_t{status})},
        {"user.tier", AnyValue(kTiers[rng() % 3])},
        {"cloud.region", AnyValue(kRegions[rng() % 3])},
        {"net.peer.port", AnyValue(static_cast<int64_t>(8000 + rng() % 8))},
        {"request.id", AnyValue(request_id)},
    };
    if (svc == 1)
      s.attributes.push_back(
          {"db.statement",
           AnyValue("SELECT o.id, o.customer_id, o.total, o.created_at, o.status FROM orders o "
                    "JOIN customers c ON c.id = o.customer_id WHERE o.id = " +
                    std::to_string(rng() % 1000))});
    t.spans.push_back(std::move(s));
  }
  return t;
}

struct Workload {
  std::vector<Trace> traces;
  std::vector<bool> selected;
  size_t spans = 0;
};

const Workload& workload() {
  static const Workload* w = [] {
    auto* w = new Workload;
    Catalog c;
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < kTraces; ++i) {
      const bool sel = i % 20 == 0;  // 5 %
      w->traces.push_back(make_trace(rng, c, i, sel));
      w->selected.push_back(sel);
      w->spans += w->traces.back().spans.size();
    }
    return w;
  }();
  return *w;
}

void BM_Cohorts100kTraces(benchmark::State& state) {
  const Workload& w = workload();
  size_t features = 0;
  std::string top;
  for (auto _ : state) {
    CohortAnalyzer a;
    for (size_t i = 0; i < w.traces.size(); ++i) a.add(w.traces[i], w.selected[i]);
    CohortResult r = std::move(a).finish();
    features = r.features.size();
    if (!r.features.empty()) top = r.features[0].name + "=" + r.features[0].value;
    benchmark::DoNotOptimize(r);
  }
  state.counters["traces"] = static_cast<double>(w.traces.size());
  state.counters["spans"] = static_cast<double>(w.spans);
  state.counters["features"] = static_cast<double>(features);
  state.SetLabel("top: " + top);
}
BENCHMARK(BM_Cohorts100kTraces)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
