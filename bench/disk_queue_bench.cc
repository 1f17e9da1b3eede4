// The agent's disk queue (src/store/queue): appended spans per second with fsync on, for
// reference-workload batches (src/loadgen) of 100 and 512 spans. Each benchmark thread is
// a receiver that keeps up to kWindow writes in flight (as concurrent requests do), so the
// queue's writer thread groups them; a consumer thread takes and acks entries meanwhile, as
// the forwarder would. Reports items = spans.
//
// The queue lives under $WEFT_BENCH_DIR if set (point it at the disk the agent would use),
// else under the system temp dir.
#include <benchmark/benchmark.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "loadgen/batch_cutter.h"
#include "store/queue/disk_queue.h"

namespace {

using namespace weft;  // NOLINT(google-build-using-namespace): benchmark file
using namespace weft::model;

constexpr int kWindow = 32;       // writes in flight per thread
constexpr size_t kBatches = 512;  // distinct batches, reused round-robin

const std::vector<SpanBatch>& batches(size_t batch_spans) {
  static std::mutex mu;
  static std::map<size_t, std::vector<SpanBatch>> cache;
  std::lock_guard lock(mu);
  auto& v = cache[batch_spans];
  if (v.empty()) {
    loadgen::BatchCutter cutter(loadgen::WorkloadOptions{}, batch_spans, 0);
    std::vector<Span> spans;
    while (v.size() < kBatches && cutter.next(&spans)) v.push_back(SpanBatch{spans});
  }
  return v;
}

struct Shared {
  std::filesystem::path dir;
  std::unique_ptr<store::DiskQueue> queue;
  std::thread consumer;
  std::atomic<bool> stop{false};
};
Shared* shared = nullptr;

class Window {
 public:
  void acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < kWindow; });
    ++in_flight_;
  }
  void release(const Status& s) {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (!s.is_ok()) ++failed_;
    cv_.notify_all();
  }
  int drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  int failed_ = 0;
};

void BM_DiskQueueAppend(benchmark::State& state) {
  const size_t batch_spans = static_cast<size_t>(state.range(0));
  const auto& input = batches(batch_spans);
  if (state.thread_index() == 0) {
    shared = new Shared;
    const char* base = std::getenv("WEFT_BENCH_DIR");
    std::random_device rd;
    shared->dir = std::filesystem::path(base ? base : std::filesystem::temp_directory_path()) /
                  ("weft-queue-bench-" + std::to_string(rd()));
    store::DiskQueueOptions o;
    o.dir = shared->dir.string();
    o.sync = true;
    auto q = store::DiskQueue::open(o);
    if (!q.is_ok()) {
      state.SkipWithError(q.status().to_string().c_str());
      return;
    }
    shared->queue = std::move(q).value();
    shared->consumer = std::thread([s = shared] {
      while (!s->stop.load()) {
        for (const auto& e : s->queue->next(256, std::chrono::milliseconds(20)))
          s->queue->ack(e.id);
      }
    });
  }
  Window window;
  size_t i = static_cast<size_t>(state.thread_index()) * 97;
  uint64_t spans = 0;
  for (auto _ : state) {
    const SpanBatch& b = input[i++ % input.size()];
    window.acquire();
    shared->queue->write(b, [&window](Status s) { window.release(s); });
    spans += b.spans.size();
  }
  if (window.drain() > 0) state.SkipWithError("writes failed");
  state.SetItemsProcessed(static_cast<int64_t>(spans));
  if (state.thread_index() == 0) {
    auto st = shared->queue->stats();
    state.counters["dropped_batches"] = static_cast<double>(st.dropped_batches);
    shared->stop = true;
    shared->consumer.join();
    shared->queue->close();
    shared->queue.reset();
    std::error_code ec;
    std::filesystem::remove_all(shared->dir, ec);
    delete shared;
    shared = nullptr;
  }
}
BENCHMARK(BM_DiskQueueAppend)
    ->Arg(100)
    ->Arg(512)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
