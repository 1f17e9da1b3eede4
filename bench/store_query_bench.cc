// Embedded store: write throughput and query latency over 1M spans in the head.
//
// Loads synthetic traces (20 services x 10 span names, 1..19 spans per trace (mean 10),
// 8 attributes per span) through Store::write with fsync kNever into a temp dir, then
// times get_trace and several searches one call at a time and reports p50/p99 (µs) as
// counters. Run: build-store/bench/store_query_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>

#include <time.h>

#include "store/embedded_store.h"

namespace weft {

using namespace weft::model;

namespace {

constexpr int kServices = 20;
constexpr int kNamesPerService = 10;
constexpr size_t kTargetSpans = 1'000'000;
constexpr size_t kTracesPerBatch = 10;
constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

struct Loaded {
  std::string dir;
  std::unique_ptr<Store> store;
  std::vector<TraceId> trace_ids;
  size_t spans = 0;
  double write_seconds = 0;
  double write_cpu_seconds = 0;  // all threads of the process: robust to a busy machine
  uint64_t p90_trace_duration = 0;
};

std::string service_name(int s) { return "service-" + std::to_string(s); }
std::string span_name(int s, int n) {
  static const char* kVerbs[] = {"GET", "POST", "PUT", "DELETE", "query"};
  return std::string(kVerbs[n % 5]) + " /api/v1/" + service_name(s) + "/op" + std::to_string(n);
}

// One synthetic trace: a root in a random service calling down a random tree.
void make_trace(std::mt19937_64& rng, uint64_t t_index, std::vector<Span>& out,
                const std::vector<std::shared_ptr<const Resource>>& resources,
                const std::shared_ptr<const InstrumentationScope>& scope,
                std::vector<uint64_t>& durations) {
  TraceId tid;
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 8; ++i) tid.bytes[i] = static_cast<uint8_t>(a >> (8 * i));
  for (int i = 0; i < 8; ++i) tid.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  const int n = 1 + static_cast<int>(rng() % 19);
  const uint64_t start = kT0 + t_index * 1'000'000;  // one trace per ms
  std::exponential_distribution<double> dur_ms(1.0 / 50);
  const uint64_t root_dur = 1'000'000 + static_cast<uint64_t>(dur_ms(rng) * 1e6);
  durations.push_back(root_dur);
  std::vector<SpanId> ids;
  for (int i = 0; i < n; ++i) {
    Span s;
    s.trace_id = tid;
    uint64_t sid = rng() | 1;
    for (int k = 0; k < 8; ++k) s.span_id.bytes[k] = static_cast<uint8_t>(sid >> (8 * k));
    if (i > 0) s.parent_span_id = ids[rng() % ids.size()];
    ids.push_back(s.span_id);
    int svc = static_cast<int>(rng() % kServices);
    int name = static_cast<int>(rng() % kNamesPerService);
    s.name = span_name(svc, name);
    s.kind = i == 0 ? SpanKind::kServer : (rng() % 2 ? SpanKind::kClient : SpanKind::kServer);
    uint64_t off = i == 0 ? 0 : rng() % (root_dur / 2);
    s.start_time_unix_nano = start + off;
    s.end_time_unix_nano = s.start_time_unix_nano + (i == 0 ? root_dur : rng() % (root_dur - off));
    bool error = rng() % 50 == 0;
    if (error) s.status = {SpanStatusCode::kError, "upstream failed"};
    static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
    static const char* kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
    s.attributes = {
        {"http.method", kMethods[name % 4]},
        {"http.status_code", static_cast<int64_t>(error ? 500 : (rng() % 20 == 0 ? 404 : 200))},
        {"http.url", "https://" + service_name(svc) + ".internal/api/v1/items/" +
                         std::to_string(rng() % 100000)},
        {"user.id", "user-" + std::to_string(rng() % 50000)},
        {"region", kRegions[rng() % 3]},
        {"component", "http"},
        {"net.peer.port", static_cast<int64_t>(1024 + rng() % 50000)},
        {"sampling.ratio", 0.25},
    };
    s.resource = resources[svc];
    s.scope = scope;
    out.push_back(std::move(s));
  }
}

Loaded& loaded() {
  static Loaded* l = [] {
    auto* l = new Loaded;
    l->dir = (std::filesystem::temp_directory_path() / "weft-store-query-bench").string();
    std::filesystem::remove_all(l->dir);
    EmbeddedStoreOptions o;
    o.data_dir = l->dir;
    o.fsync = EmbeddedStoreOptions::Fsync::kNever;
    o.head_budget_bytes = 16ull << 30;  // keep all 1M spans in the head
    o.max_pending_bytes = 1ull << 30;
    auto s = open_embedded_store(o);
    if (!s.is_ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().to_string().c_str());
      std::abort();
    }
    l->store = std::move(s).value();

    std::mt19937_64 rng(42);
    std::vector<std::shared_ptr<const Resource>> resources;
    for (int i = 0; i < kServices; ++i) {
      auto r = std::make_shared<Resource>();
      r->attributes = {{"service.name", service_name(i)},
                       {"host.name", "host-" + std::to_string(i % 7)},
                       {"deployment.environment", "prod"}};
      resources.push_back(r);
    }
    auto scope = std::make_shared<InstrumentationScope>();
    scope->name = "weft-bench";
    // Generate first so that generation cost is not counted as write cost.
    std::vector<SpanBatch> batches;
    std::vector<uint64_t> durations;
    uint64_t t = 0;
    while (l->spans < kTargetSpans) {
      SpanBatch b;
      for (size_t i = 0; i < kTracesPerBatch; ++i) {
        make_trace(rng, t++, b.spans, resources, scope, durations);
        l->trace_ids.push_back(b.spans.back().trace_id);
      }
      l->spans += b.spans.size();
      batches.push_back(std::move(b));
    }
    std::sort(durations.begin(), durations.end());
    l->p90_trace_duration = durations[durations.size() * 9 / 10];

    std::mutex mu;
    std::condition_variable cv;
    size_t acked = 0, failed = 0;
    const size_t total = batches.size();
    auto cpu = [] {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    const double cpu0 = cpu();
    auto t0 = std::chrono::steady_clock::now();
    for (auto& b : batches)
      l->store->write(std::move(b), [&](Status st) {
        std::lock_guard lock(mu);
        ++acked;
        if (!st.is_ok()) ++failed;
        if (acked == total) cv.notify_one();
      });
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return acked == total; });
    }
    l->write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    l->write_cpu_seconds = cpu() - cpu0;
    if (failed) std::fprintf(stderr, "warning: %zu batches failed\n", failed);
    return l;
  }();
  return *l;
}

void report(benchmark::State& state, std::vector<double>& us, size_t results) {
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
  state.counters["results"] = static_cast<double>(results);
}

template <typename F>
void timed_loop(benchmark::State& state, F&& f) {
  std::vector<double> us;
  size_t results = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    results = f(us.size());
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  report(state, us, results);
}

void BM_Write1M(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(loaded());
  Loaded& l = loaded();
  StoreStats st = l.store->stats();
  state.counters["spans"] = static_cast<double>(st.spans);
  state.counters["spans_per_s"] = static_cast<double>(l.spans) / l.write_seconds;
  state.counters["ns_per_span"] = l.write_seconds * 1e9 / static_cast<double>(l.spans);
  state.counters["cpu_ns_per_span"] = l.write_cpu_seconds * 1e9 / static_cast<double>(l.spans);
  state.counters["head_MiB"] = static_cast<double>(st.head_bytes) / (1 << 20);
  state.counters["wal_MiB"] = static_cast<double>(st.wal_bytes) / (1 << 20);
}
BENCHMARK(BM_Write1M)->Iterations(1)->Unit(benchmark::kSecond);

void BM_GetTrace(benchmark::State& state) {
  Loaded& l = loaded();
  std::mt19937_64 rng(7);
  timed_loop(state, [&](size_t) {
    auto t = l.store->get_trace(l.trace_ids[rng() % l.trace_ids.size()]);
    return t->has_value() ? (*t)->spans.size() : 0;
  });
}
BENCHMARK(BM_GetTrace)->Iterations(20000);

void BM_SearchService(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t i) {
    TraceQuery q;
    q.service = service_name(static_cast<int>(i % kServices));
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchService)->Iterations(2000);

void BM_SearchServiceOperation(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t i) {
    TraceQuery q;
    int s = static_cast<int>(i % kServices);
    q.service = service_name(s);
    q.operation = span_name(s, static_cast<int>(i / kServices % kNamesPerService));
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchServiceOperation)->Iterations(2000);

void BM_SearchServiceTag(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t i) {
    TraceQuery q;
    q.service = service_name(static_cast<int>(i % kServices));
    q.tags = {{"http.status_code", "500"}};
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchServiceTag)->Iterations(500);

void BM_SearchMinDuration(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t) {
    TraceQuery q;
    q.min_duration_nanos = l.p90_trace_duration;
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchMinDuration)->Iterations(2000);

void BM_SearchLongestFirstService(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t i) {
    TraceQuery q;
    q.service = service_name(static_cast<int>(i % kServices));
    q.order = TraceOrder::kLongestFirst;
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchLongestFirstService)->Iterations(100);

void BM_SearchUnknownService(benchmark::State& state) {
  Loaded& l = loaded();
  timed_loop(state, [&](size_t) {
    TraceQuery q;
    q.service = "no-such-service";
    return l.store->search(q)->size();
  });
}
BENCHMARK(BM_SearchUnknownService)->Iterations(20000);

}  // namespace
}  // namespace weft

BENCHMARK_MAIN();
