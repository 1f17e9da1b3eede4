// Rate limiting (token bucket) and N per window. Both decide for roots only and ignore the
// parent: wrap them in ParentBasedSampler. Both are lock-free: one atomic word each, a CAS
// only when a trace is admitted (or a window starts), so a saturated limiter that drops
// costs one load.
#include <atomic>
#include <cmath>
#include <ctime>
#include <string>

#include "sampling/describe.h"
#include "sampling/rate_samplers.h"

namespace weft::sampling {
namespace {

// A token bucket of capacity max(1, rate) refilled at `rate` per second, implemented as
// GCRA: one atomic "theoretical arrival time" (tat). A trace is admitted when
// tat - now <= tolerance (= (capacity - 1) * interval), and then tat = max(tat, now) +
// interval. This is exactly a token bucket that starts full, with no floating point state
// and no lock.
class RateLimiting final : public Sampler {
 public:
  RateLimiting(double rate, NanoClock clock) : rate_(std::isnan(rate) ? 0 : rate), clock_(clock) {
    if (rate_ > 0) {
      const double interval = 1e9 / rate_;
      interval_ns_ = interval < 1 ? 1 : static_cast<int64_t>(std::llround(interval));
      const double capacity = rate_ < 1 ? 1 : rate_;
      const double tolerance = (capacity - 1) * interval;
      tolerance_ns_ = tolerance > 9e18 ? INT64_MAX / 2 : static_cast<int64_t>(tolerance);
      // The bucket starts full: the first `capacity` traces are admitted at once.
      tat_.store(clock_() - tolerance_ns_ - interval_ns_, std::memory_order_relaxed);
    }
  }

  SamplingDecision ShouldSample(const SamplingParams&) override {
    if (rate_ <= 0) return SamplingDecision::kDrop;
    const int64_t now = clock_();
    int64_t tat = tat_.load(std::memory_order_relaxed);
    for (;;) {
      if (tat - now > tolerance_ns_) return SamplingDecision::kDrop;
      const int64_t next = (tat > now ? tat : now) + interval_ns_;
      if (tat_.compare_exchange_weak(tat, next, std::memory_order_relaxed))
        return SamplingDecision::kRecordAndSample;
    }
  }
  std::string Description() const override { return "RateLimiting{" + FormatNumber(rate_) + "/s}"; }

 private:
  const double rate_;
  const NanoClock clock_;
  int64_t interval_ns_ = 0;
  int64_t tolerance_ns_ = 0;
  alignas(64) std::atomic<int64_t> tat_{0};
};

// SkyWalking's "N per window": windows of fixed length counted from the sampler's creation;
// the first n traces of each window are admitted. State is one atomic word: the window's
// index (high 32 bits, compared for equality only, so wrapping is harmless) and the count
// admitted in it (low 32 bits).
class PerWindow final : public Sampler {
 public:
  PerWindow(uint32_t n, std::chrono::nanoseconds window, NanoClock clock)
      : n_(n),
        window_ns_(window.count() > 0 ? window.count() : 1),
        clock_(clock),
        origin_(clock()) {}

  SamplingDecision ShouldSample(const SamplingParams&) override {
    if (n_ == 0) return SamplingDecision::kDrop;
    const uint32_t window = static_cast<uint32_t>((clock_() - origin_) / window_ns_);
    uint64_t state = state_.load(std::memory_order_relaxed);
    for (;;) {
      uint64_t next;
      if (static_cast<uint32_t>(state >> 32) != window) {
        next = uint64_t{window} << 32 | 1;  // a new window: reset the count
      } else if (static_cast<uint32_t>(state) < n_) {
        next = state + 1;
      } else {
        return SamplingDecision::kDrop;
      }
      if (state_.compare_exchange_weak(state, next, std::memory_order_relaxed))
        return SamplingDecision::kRecordAndSample;
    }
  }
  std::string Description() const override {
    return "PerWindow{" + std::to_string(n_) + "/" + std::to_string(window_ns_ / 1'000'000) + "ms}";
  }

 private:
  const uint32_t n_;
  const int64_t window_ns_;
  const NanoClock clock_;
  const int64_t origin_;
  // Window 0 with count 0: the first window starts empty.
  alignas(64) std::atomic<uint64_t> state_{0};
};

}  // namespace

int64_t SteadyNanos() {
  // CLOCK_MONOTONIC_COARSE: a few ns instead of tens (or, on VMs without a vDSO clock
  // source, over a hundred), never steps, and its resolution (1-4 ms, the kernel tick) only
  // delays refills and window starts by at most that much.
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::shared_ptr<Sampler> MakeRateLimitingSampler(double traces_per_second, NanoClock clock) {
  return std::make_shared<RateLimiting>(traces_per_second, clock);
}

std::shared_ptr<Sampler> MakePerWindowSampler(uint32_t n, std::chrono::nanoseconds window,
                                              NanoClock clock) {
  return std::make_shared<PerWindow>(n, window, clock);
}

}  // namespace weft::sampling

namespace weft {

std::shared_ptr<Sampler> RateLimitingSampler(double traces_per_second) {
  return sampling::MakeRateLimitingSampler(traces_per_second, sampling::SteadyNanos);
}

std::shared_ptr<Sampler> PerWindowSampler(uint32_t n, std::chrono::milliseconds window) {
  return sampling::MakePerWindowSampler(n, window, sampling::SteadyNanos);
}

}  // namespace weft
