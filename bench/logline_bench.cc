// Log-based tracing (src/ingest/logline, src/ingest/tail, src/ingest/log_tail_ingest.h) on
// realistic generated lines (bench/logline_gen.h: 8 services, both RpcId schemes, 300-600
// bytes, ~17 lines per trace, 64 requests interleaved). Items = lines; bytes = line bytes.
//
//   BM_Parse           LineParser::parse alone
//   BM_Assemble        TraceAssembler: parse + hold + build spans, a simulated 300k lines/s
//                      clock with a 0.25 s window (so traces expire by tick() as in
//                      production) and tick() every 4096 lines; spans discarded
//   BM_HeldLineMemory  heap held per line held open (mallinfo2 before/after holding 100k
//                      lines; counter heap_B_per_line), and the assembler's own estimate
//   BM_TailIngest      the whole LogTailIngest path from a real file: Tailer -> TailLedger
//                      -> TraceAssembler -> Ingestor (validation) -> a discarding SpanSink,
//                      the file growing by 20k lines per run_once() round, the clock 1 s
//                      further each round, window 2 s. Its writer thread validates batches:
//                      lines_per_cpu_s counts the CPU of every thread.
//   BM_TailIngestThreaded  the same with start()/stop(): the tailer, ticker and writer
//                      threads on the system clock (window 0.1 s), the file written up
//                      front; wall time until every span is written.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "ingest/ingestor.h"
#include "ingest/log_tail_ingest.h"
#include "logline/line_parser.h"
#include "logline/trace_assembler.h"
#include "logline_gen.h"
#include "store/store.h"

namespace {

using namespace weft;  // NOLINT(google-build-using-namespace): benchmark file
using namespace weft::model;

const std::vector<std::string>& lines(size_t n) {
  static std::vector<std::string> all;
  if (all.size() < n) {
    bench::LoglineGenerator gen{bench::LoglineGenOptions{}};
    all.clear();
    all.reserve(n);
    std::string l;
    for (size_t i = 0; i < n; ++i) {
      gen.next(&l);
      all.push_back(l);
    }
  }
  return all;
}

size_t total_bytes(const std::vector<std::string>& v, size_t n) {
  size_t b = 0;
  for (size_t i = 0; i < n; ++i) b += v[i].size() + 1;
  return b;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class DiscardSink final : public SpanSink {
 public:
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    spans.fetch_add(batch.spans.size(), std::memory_order_relaxed);
    done(Status::ok());
  }
  std::atomic<uint64_t> spans{0};
};

void BM_Parse(benchmark::State& state) {
  const size_t n = 100'000;
  const auto& ls = lines(n);
  logline::LineParser parser;
  logline::LogLine out;
  size_t i = 0, items = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& l = ls[i];
    logline::LineStatus st = parser.parse(l, "/var/log/app/trace.log", &out);
    if (!st.ok()) state.SkipWithError(st.status.to_string().c_str());
    benchmark::DoNotOptimize(out);
    ++items;
    bytes += l.size() + 1;
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Parse);

void BM_Assemble(benchmark::State& state) {
  const size_t n = 200'000;
  const auto& ls = lines(n);
  const int64_t step_ns = 1'000'000'000 / 300'000;
  uint64_t spans = 0;
  for (auto _ : state) {
    logline::AssemblerOptions o;
    o.window_ns = 250'000'000;
    logline::TraceAssembler a(o,
                              [&](SpanBatch b, std::vector<uint64_t>) { spans += b.spans.size(); });
    int64_t now = 1'000'000'000;
    for (size_t i = 0; i < n; ++i) {
      a.add_line(ls[i], "/var/log/app/trace.log", now, i);
      now += step_ns;
      if ((i & 4095) == 4095) a.tick(now);
    }
    a.flush_all();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(ls, n)));
  state.counters["spans_per_line"] =
      static_cast<double>(spans) / static_cast<double>(state.iterations() * n);
}
BENCHMARK(BM_Assemble)->Unit(benchmark::kMillisecond);

void BM_HeldLineMemory(benchmark::State& state) {
  const size_t n = 100'000;
  const auto& ls = lines(n);
  double per_line = 0, estimate = 0;
  for (auto _ : state) {
    logline::AssemblerOptions o;
    o.window_ns = int64_t{1} << 60;
    o.max_open_ns = int64_t{1} << 60;
    malloc_trim(0);
    const size_t before = mallinfo2().uordblks;
    {
      logline::TraceAssembler a(o, [](SpanBatch, std::vector<uint64_t>) {});
      for (size_t i = 0; i < n; ++i) a.add_line(ls[i], "/var/log/app/trace.log", 1, i);
      const size_t after = mallinfo2().uordblks;
      const logline::AssemblerStats s = a.stats();
      per_line = static_cast<double>(after - before) / static_cast<double>(s.open_lines);
      estimate = static_cast<double>(s.open_bytes) / static_cast<double>(s.open_lines);
      state.PauseTiming();  // not the teardown
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["heap_B_per_line"] = per_line;
  state.counters["estimate_B_per_line"] = estimate;
}
BENCHMARK(BM_HeldLineMemory)->Unit(benchmark::kMillisecond)->Iterations(3);

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/weft-logline-bench-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

void BM_TailIngest(benchmark::State& state) {
  const size_t n = 200'000, chunk = 20'000;
  const auto& ls = lines(n);
  uint64_t spans = 0;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    const std::string file = (dir.path / "trace.log").string();
    std::ofstream(file).close();
    DiscardSink sink;
    ingest::Ingestor ingestor(sink, ingest::Limits{});
    ManualClock clock;
    ingest::LogTailOptions o;
    o.tail.globs = {(dir.path / "*.log").string()};
    o.tail.from = tail::From::kBeginning;
    o.assembler.window_ns = 2'000'000'000;
    o.clock = &clock;
    o.log = [](const std::string&) {};
    auto ing = ingest::LogTailIngest::open(ingestor, o);
    if (!ing.is_ok()) {
      state.SkipWithError(ing.status().to_string().c_str());
      return;
    }
    std::ofstream out(file, std::ios::app | std::ios::binary);
    double cpu_start = 0;
    for (size_t at = 0; at < n; at += chunk) {
      if (at) state.PauseTiming();
      for (size_t i = at; i < at + chunk; ++i) out << ls[i] << '\n';
      out.flush();
      cpu_start -= cpu_seconds();
      state.ResumeTiming();
      (*ing)->run_once(false);
      state.PauseTiming();
      cpu_start += cpu_seconds();
      clock.advance(1'000'000'000);
      state.ResumeTiming();
    }
    const double c0 = cpu_seconds();
    (*ing)->run_once(true);
    (*ing)->stop();
    cpu += cpu_start + (cpu_seconds() - c0);
    spans += sink.spans.load();
    state.PauseTiming();
    ing->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(ls, n)));
  state.counters["spans_per_line"] =
      static_cast<double>(spans) / static_cast<double>(state.iterations() * n);
  state.counters["lines_per_cpu_s"] = static_cast<double>(state.iterations() * n) / cpu;
}
BENCHMARK(BM_TailIngest)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TailIngestThreaded(benchmark::State& state) {
  const size_t n = 200'000;
  const auto& ls = lines(n);
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TempDir dir;
    const std::string file = (dir.path / "trace.log").string();
    {
      std::ofstream out(file, std::ios::binary);
      for (size_t i = 0; i < n; ++i) out << ls[i] << '\n';
    }
    DiscardSink sink;
    ingest::Ingestor ingestor(sink, ingest::Limits{});
    ingest::LogTailOptions o;
    o.tail.globs = {(dir.path / "*.log").string()};
    o.tail.from = tail::From::kBeginning;
    o.assembler.window_ns = 100'000'000;
    o.tick_interval_ms = 20;
    o.log = [](const std::string&) {};
    auto ing = ingest::LogTailIngest::open(ingestor, o);
    if (!ing.is_ok()) {
      state.SkipWithError(ing.status().to_string().c_str());
      return;
    }
    const double c0 = cpu_seconds();
    state.ResumeTiming();
    if (Status s = (*ing)->start(); !s.is_ok()) {
      state.SkipWithError(s.to_string().c_str());
      return;
    }
    for (;;) {
      const ingest::LogTailStats s = (*ing)->stats();
      if (s.lines_read == n && s.assembler.open_lines == 0 && s.pending_spans == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    state.PauseTiming();
    cpu += cpu_seconds() - c0;
    (*ing)->stop();
    ing->reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(ls, n)));
  state.counters["lines_per_cpu_s"] = static_cast<double>(state.iterations() * n) / cpu;
}
BENCHMARK(BM_TailIngestThreaded)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
