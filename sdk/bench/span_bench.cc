// Span cost on the application's thread (issue 3 targets: start + end with 4 attributes,
// sampled, into the batch processor <= 80 ns; unsampled <= 5 ns; 0 heap allocations per
// span once warm; 2 producer threads >= 1.8x one).
//
// Spans go through the real batch processor to an exporter that discards them, so the
// export thread takes them from the rings as fast as it can (it reads each record's header
// in place; the discarding exporter reads nothing more, where an OTLP exporter would encode
// the record: see weft_sdk_export_load for that); the `dropped` counter says whether it kept
// up (a dropped span is cheaper than an exported one, so a run with drops flatters).
// Heap allocations are counted by replacing global operator new in this binary.
//
// Counters: `dropped%`; `allocs/span`; `proc_cpu/span`, the whole process's CPU time (the
// producers and the export thread) per span in ns, next to the Time column's real time and
// the CPU column's producer-thread CPU time. On a machine with fewer cores than producers
// plus the export thread, the export thread's CPU comes out of the producers' throughput:
// two producers on 2 cores can make at most 2 / proc_cpu spans per ns (BENCHMARKS.md).
#include <benchmark/benchmark.h>

#include <time.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "weft/weft.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counting replacements of every global allocation function (plain and aligned: span
// buffers are allocated aligned, so both must count).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t align = static_cast<size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

class Discard final : public weft::SpanExporter {
 public:
  weft::ExportResult Export(const weft::ExportBatch& b) override {
    n_ += b.spans.size();
    return weft::ExportResult::kSuccess;
  }

 private:
  uint64_t n_ = 0;
};

weft::Sdk& SdkWith(std::shared_ptr<weft::Sampler> sampler) {
  static weft::Sdk sdk;
  static weft::Sampler* current = nullptr;
  if (current != sampler.get()) {
    sdk = weft::Sdk();
    weft::Options o;
    o.service_name = "bench";
    o.exporter = std::make_shared<Discard>();
    o.sampler = sampler;
    o.flush_on_signal = false;
    // $WEFT_BENCH_RING_BYTES: another ring size (the default leaves the export thread some
    // milliseconds of slack at these rates; it needs more on a machine others load).
    const char* ring = std::getenv("WEFT_BENCH_RING_BYTES");
    o.batch.ring_bytes_per_thread = ring ? std::strtoull(ring, nullptr, 10) : 4 << 20;
    o.batch.export_interval = std::chrono::milliseconds(20);
    current = sampler.get();
    sdk = weft::Init(std::move(o));
  }
  return sdk;
}

std::shared_ptr<weft::Sampler> AlwaysOn() {
  static auto s = weft::AlwaysOnSampler();
  return s;
}
std::shared_ptr<weft::Sampler> ParentOff() {
  static auto s = weft::ParentBasedSampler(weft::AlwaysOffSampler());
  return s;
}

uint64_t ProcessCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The process's CPU time over the timed loop, taken by thread 0 right before its first
// iteration and right after its last (Google Benchmark starts and stops the threads
// together).
struct ProcessCpu {
  uint64_t start = 0, end = 0;
};

void ReportCounters(benchmark::State& state, weft::Sdk& sdk, uint64_t allocs_before,
                    weft::ProcessorStats before, const ProcessCpu& cpu = {}) {
  if (state.thread_index() != 0) return;
  const double spans = static_cast<double>(state.iterations()) * state.threads();
  if (cpu.end) state.counters["proc_cpu/span"] = static_cast<double>(cpu.end - cpu.start) / spans;
  sdk.ForceFlush();
  const weft::ProcessorStats after = sdk.stats().processor;
  state.counters["allocs/span"] = static_cast<double>(g_allocations.load() - allocs_before) / spans;
  state.counters["dropped%"] = 100.0 * static_cast<double>(after.dropped - before.dropped) / spans;
}

// Start + end, 4 attributes (string, int, double, bool), sampled, batch processor.
void BM_SpanStartEnd4Attrs(benchmark::State& state) {
  weft::Sdk& sdk = SdkWith(AlwaysOn());
  weft::Tracer tracer = sdk.tracer();
  for (int i = 0; i < 1000; ++i) tracer.StartSpan("warm").End();  // buffers, ring, TLS
  sdk.ForceFlush();
  const uint64_t allocs = g_allocations.load();
  const weft::ProcessorStats before = sdk.stats().processor;
  ProcessCpu cpu;
  if (state.thread_index() == 0) cpu.start = ProcessCpuNanos();
  for (auto _ : state) {
    weft::Span span = tracer.StartSpan("GET /api/orders");
    span.SetAttribute("http.method", "GET");
    span.SetAttribute("http.status_code", 200);
    span.SetAttribute("db.rows", 12.5);
    span.SetAttribute("cache.hit", true);
  }
  if (state.thread_index() == 0) cpu.end = ProcessCpuNanos();
  ReportCounters(state, sdk, allocs, before, cpu);
}
BENCHMARK(BM_SpanStartEnd4Attrs)->Threads(1)->Threads(2)->UseRealTime();

// A child of an unsampled parent (the common unsampled case), 4 attributes.
void BM_UnsampledChild4Attrs(benchmark::State& state) {
  weft::Sdk& sdk = SdkWith(ParentOff());
  weft::Tracer tracer = sdk.tracer();
  weft::Span root = tracer.StartSpan("root");
  const uint64_t allocs = g_allocations.load();
  const weft::ProcessorStats before = sdk.stats().processor;
  for (auto _ : state) {
    weft::Span span = tracer.StartSpan("child");
    span.SetAttribute("http.method", "GET");
    span.SetAttribute("http.status_code", 200);
    span.SetAttribute("db.rows", 12.5);
    span.SetAttribute("cache.hit", true);
  }
  ReportCounters(state, sdk, allocs, before);
}
BENCHMARK(BM_UnsampledChild4Attrs);

// An unsampled root: new ids, made current (so its trace id propagates), nothing recorded.
void BM_UnsampledRoot4Attrs(benchmark::State& state) {
  weft::Sdk& sdk = SdkWith(ParentOff());
  weft::Tracer tracer = sdk.tracer();
  const uint64_t allocs = g_allocations.load();
  const weft::ProcessorStats before = sdk.stats().processor;
  for (auto _ : state) {
    weft::Span span = tracer.StartSpan("root");
    span.SetAttribute("http.method", "GET");
    span.SetAttribute("http.status_code", 200);
    span.SetAttribute("db.rows", 12.5);
    span.SetAttribute("cache.hit", true);
  }
  ReportCounters(state, sdk, allocs, before);
}
BENCHMARK(BM_UnsampledRoot4Attrs);

// Where the time goes: the clock read alone.
void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(weft::NowNanos());
}
BENCHMARK(BM_ClockRead);

}  // namespace

BENCHMARK_MAIN();
