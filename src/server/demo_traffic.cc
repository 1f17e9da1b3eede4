#include "server/demo_traffic.h"

#include <chrono>

#include "common/clock.h"
#include "loadgen/workload.h"

namespace weft::server {

using namespace weft::model;

DemoTraffic::DemoTraffic(SpanSink& sink, double traces_per_second)
    : sink_(sink), rate_(traces_per_second > 0 ? traces_per_second : 1.0) {
  thread_ = std::thread([this] { run(); });
}

DemoTraffic::~DemoTraffic() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DemoTraffic::run() {
  loadgen::WorkloadOptions options;
  options.seed = Clock::system().now_unix_nanos();
  options.large_trace_ppm = 0;  // gentle: no 5,000-span traces
  loadgen::WorkloadGenerator generator(options);
  auto period = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / rate_));
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    Trace trace = generator.next_trace();
    if (trace.spans.empty()) continue;
    // Re-time the trace so it ends now.
    uint64_t end = 0;
    for (const auto& s : trace.spans) end = std::max(end, s.end_time_unix_nano);
    int64_t shift =
        static_cast<int64_t>(Clock::system().now_unix_nanos()) - static_cast<int64_t>(end);
    SpanBatch batch;
    batch.spans = std::move(trace.spans);
    for (auto& s : batch.spans) {
      s.start_time_unix_nano += shift;
      s.end_time_unix_nano += shift;
      for (auto& e : s.events) e.time_unix_nano += shift;
    }
    sink_.write(std::move(batch), [](Status) {});
  }
}

}  // namespace weft::server
