#pragma once
// Retry policy shared by the OTLP exporters: exponential backoff with jitter, a server hint
// (Retry-After / RetryInfo) honoured up to the cap, and a sleep that Shutdown() cuts short.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "otlp/encode.h"
#include "weft/clock.h"
#include "weft/exporter.h"

namespace weft::otlp {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(std::max(initial, std::chrono::milliseconds(1))),
        max_(std::max(max, initial_)),
        rng_(std::random_device{}()) {}

  // Delay before retry number `retry` (1 = the first retry): initial * 2^(retry-1), capped
  // at max, then "equal jitter" (a uniform value in [d/2, d]) so that clients that failed
  // together do not retry together. A server hint replaces it, capped at max.
  std::chrono::milliseconds Delay(int retry, std::optional<std::chrono::milliseconds> hint = {}) {
    if (hint) return std::clamp(*hint, std::chrono::milliseconds(0), max_);
    int64_t d = initial_.count();
    for (int i = 1; i < retry && d < max_.count(); ++i) d *= 2;
    d = std::min<int64_t>(d, max_.count());
    std::uniform_int_distribution<int64_t> jitter(d / 2, d);
    return std::chrono::milliseconds(jitter(rng_));
  }

 private:
  std::chrono::milliseconds initial_, max_;
  std::minstd_rand rng_;
};

// Retry-After as delay-seconds ("120"); HTTP-dates and anything else give no hint.
inline std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return std::nullopt;
  int64_t s = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + (c - '0');
  }
  return std::chrono::milliseconds(s * 1000);
}

// A sleep that Stop() ends early (for Shutdown during a backoff).
class StopSignal {
 public:
  explicit StopSignal(const SteadyClock* clock) : clock_(clock) {}
  // Sleeps for `d` on the clock; false if stopped (before or during).
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !WaitUntil(*clock_, cv_, lock, clock_->Now() + d, [this] { return stopped_; });
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

 private:
  const SteadyClock* clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

// What one export attempt came to, as the transport saw it.
struct AttemptResult {
  enum Kind : uint8_t { kAccepted, kRetryable, kFinal };
  Kind kind;
  std::string response;  // kAccepted: the ExportTraceServiceResponse bytes
  std::optional<std::chrono::milliseconds> retry_hint = std::nullopt;  // Retry-After
};

// The retry loop and counters both OTLP exporters share: up to max_attempts attempts
// within timeout * max_attempts, jittered backoff (or the server's hint) between them, a
// backoff that Stop() cuts short, and one attempt only once stopped (the final flush).
class ExportRetrier {
 public:
  // `clock` (not owned; null = the system's) times the backoff and the budget.
  ExportRetrier(std::chrono::milliseconds initial_backoff, std::chrono::milliseconds max_backoff,
                std::chrono::milliseconds timeout, int max_attempts,
                const SteadyClock* clock = nullptr)
      : clock_(clock ? clock : &SystemSteadyClock()),
        backoff_(initial_backoff, max_backoff),
        stop_(clock_),
        timeout_(timeout),
        max_attempts_(std::max(max_attempts, 1)) {}

  // Runs `attempt()` (→ AttemptResult) for a batch of n spans and counts the outcome.
  template <typename Attempt>
  ExportResult Run(uint64_t n, Attempt&& attempt) {
    const SteadyClock::time_point deadline = clock_->Now() + timeout_ * max_attempts_;
    const int attempts = stop_.stopped() ? 1 : max_attempts_;
    for (int i = 1;; ++i) {
      const AttemptResult r = attempt();
      if (r.kind == AttemptResult::kAccepted) {
        const uint64_t rejected = std::min<uint64_t>(
            n, static_cast<uint64_t>(std::max<int64_t>(0, RejectedSpans(r.response))));
        exported_.fetch_add(n - rejected, std::memory_order_relaxed);
        failed_.fetch_add(rejected, std::memory_order_relaxed);
        return ExportResult::kSuccess;
      }
      if (r.kind == AttemptResult::kFinal || i >= attempts) return Fail(n);
      const std::chrono::milliseconds delay = backoff_.Delay(i, r.retry_hint);
      if (clock_->Now() + delay >= deadline || !stop_.SleepFor(delay)) return Fail(n);
      retries_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  ExportResult Fail(uint64_t n) {
    failed_.fetch_add(n, std::memory_order_relaxed);
    return ExportResult::kFailure;
  }
  void Stop() { stop_.Stop(); }
  ExporterStats stats() const {
    return {exported_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
            retries_.load(std::memory_order_relaxed)};
  }

 private:
  const SteadyClock* clock_;
  Backoff backoff_;
  StopSignal stop_;
  const std::chrono::milliseconds timeout_;
  const int max_attempts_;
  std::atomic<uint64_t> exported_{0}, failed_{0}, retries_{0};
};

}  // namespace weft::otlp
