#include "cmd/loadgen/load_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cmd/loadgen/sender.h"

namespace weft::cmd::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

uint32_t backoff_ms(uint32_t attempt, uint32_t retry_after_ms) {
  if (retry_after_ms > 0) return std::min(retry_after_ms, kMaxRetryAfterMs);
  return std::min<uint32_t>(100u << std::min<uint32_t>(attempt, 5), 2'000);
}

// State shared by the sender threads of one run.
class Run {
 public:
  Run(const LoadgenOptions& options, const Endpoint& endpoint, RequestSource& source,
      LoadStats& stats)
      : options_(options),
        endpoint_(endpoint),
        source_(source),
        stats_(stats),
        start_(Clock::now()) {}

  void sender_thread() {
    auto sender = make_sender(options_, endpoint_);
    if (!sender.is_ok()) {
      stats_.add_failure("connect", sender.status().message());
      finished_one();
      return;
    }
    connected_.fetch_add(1);
    std::vector<uint64_t> latencies;
    EncodedRequest request;
    while (!stop_.load() && source_.next(&request)) {
      pace(request.spans);
      if (stop_.load()) break;
      stats_.requests_sent.fetch_add(1);
      stats_.spans_sent.fetch_add(request.spans);
      stats_.bytes_sent.fetch_add(request.body.size());
      send_with_retries(**sender, request, latencies);
    }
    stats_.add_latencies(latencies);
    finished_one();
  }

  // Waits up to `wait` for every thread to finish; true if they all did.
  bool wait_finished(Clock::duration wait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, wait, [&] { return running_ == 0; });
  }
  void start_threads(uint32_t n) { running_ = n; }
  void stop() { stop_.store(true); }
  int connected() const { return connected_.load(); }
  Clock::time_point start() const { return start_; }

 private:
  // Sleeps until this request's share of the rate is due.
  void pace(uint32_t spans) {
    if (options_.rate <= 0) return;
    const uint64_t before = scheduled_.fetch_add(spans);
    const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(double(before) / options_.rate));
    interruptible_sleep_until(due);
  }

  void interruptible_sleep_until(Clock::time_point t) {
    while (!stop_.load() && Clock::now() < t)
      std::this_thread::sleep_for(
          std::min<Clock::duration>(t - Clock::now(), std::chrono::milliseconds(50)));
  }

  void send_with_retries(Sender& sender, const EncodedRequest& request,
                         std::vector<uint64_t>& latencies) {
    for (uint32_t attempt = 0;; ++attempt) {
      const auto t0 = Clock::now();
      SendResult r = sender.send(request.body);
      latencies.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
      if (r.kind == SendResult::Kind::kOk) {
        const uint64_t rejected = std::min<uint64_t>(
            static_cast<uint64_t>(std::max<int64_t>(r.rejected_spans, 0)), request.spans);
        stats_.requests_ok.fetch_add(1);
        stats_.spans_acked.fetch_add(request.spans - rejected);
        stats_.spans_rejected.fetch_add(rejected);
        return;
      }
      stats_.add_failure(r.failure, r.detail);
      if (r.kind == SendResult::Kind::kRetryable && attempt < options_.max_retries &&
          !stop_.load()) {
        stats_.retries.fetch_add(1);
        interruptible_sleep_until(Clock::now() +
                                  std::chrono::milliseconds(backoff_ms(attempt, r.retry_after_ms)));
        continue;
      }
      stats_.requests_failed.fetch_add(1);
      stats_.spans_failed.fetch_add(request.spans);
      return;
    }
  }

  void finished_one() {
    std::lock_guard lock(mu_);
    --running_;
    cv_.notify_all();
  }

  const LoadgenOptions& options_;
  const Endpoint& endpoint_;
  RequestSource& source_;
  LoadStats& stats_;
  const Clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> scheduled_{0};  // spans whose send time was assigned (pacing)
  std::atomic<int> connected_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t running_ = 0;  // GUARDED_BY(mu_)
};

void print_progress(std::FILE* out, double elapsed, const LoadStats& stats, uint64_t* last_acked,
                    double* last_elapsed) {
  const uint64_t acked = stats.spans_acked.load();
  const double interval = elapsed - *last_elapsed;
  const double rate = interval > 0 ? double(acked - *last_acked) / interval : 0;
  std::fprintf(out,
               "[%6.1fs] sent %llu acked %llu failed %llu retries %llu | %.0f spans/s now, "
               "%.0f spans/s overall\n",
               elapsed, static_cast<unsigned long long>(stats.spans_sent.load()),
               static_cast<unsigned long long>(acked),
               static_cast<unsigned long long>(stats.requests_failed.load()),
               static_cast<unsigned long long>(stats.retries.load()), rate,
               elapsed > 0 ? double(acked) / elapsed : 0.0);
  std::fflush(out);
  *last_acked = acked;
  *last_elapsed = elapsed;
}

}  // namespace

Result<double> run_load(const LoadgenOptions& options, const Endpoint& endpoint,
                        RequestSource& source, LoadStats& stats, std::FILE* progress) {
  Run run(options, endpoint, source, stats);
  const uint32_t n = std::max<uint32_t>(options.concurrency, 1);
  run.start_threads(n);
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < n; ++i) threads.emplace_back([&run] { run.sender_thread(); });

  const auto deadline =
      options.duration_seconds > 0
          ? run.start() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.duration_seconds))
          : Clock::time_point::max();
  uint64_t last_acked = 0;
  double last_elapsed = 0;
  auto next_report = run.start() + std::chrono::seconds(1);
  bool stopped = false;
  for (;;) {
    const auto wake = stopped ? next_report : std::min(next_report, deadline);
    if (run.wait_finished(wake - Clock::now())) break;
    const auto now = Clock::now();
    if (!stopped && now >= deadline) {
      run.stop();  // requests in flight finish; no new ones start
      stopped = true;
    }
    if (now >= next_report) {
      if (progress != nullptr) {
        print_progress(progress, std::chrono::duration<double>(now - run.start()).count(), stats,
                       &last_acked, &last_elapsed);
      }
      next_report += std::chrono::seconds(1);
    }
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - run.start()).count();
  if (run.connected() == 0) {
    const auto failures = stats.failures();
    auto it = failures.find("connect");
    return unavailable("could not connect to " + endpoint.to_string() +
                       (it != failures.end() ? ": " + it->second.first_detail : std::string()));
  }
  return elapsed;
}

}  // namespace weft::cmd::loadgen
