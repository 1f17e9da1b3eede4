#include "weft/clock.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace weft::detail {
namespace {

#if defined(__x86_64__)
// The TSC is trusted for wall time only when the kernel itself uses it as its clock source:
// then it is invariant and synchronized across cores (the kernel checked that), or when
// WEFT_CLOCK=tsc says so. Span durations use it wherever it ticks at a constant rate
// (constant_tsc and nonstop_tsc), e.g. in a VM whose kernel reads kvm-clock (itself the
// TSC scaled by the hypervisor). WEFT_CLOCK=realtime: never.
bool CpuHasInvariantTsc() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (!line.starts_with("flags")) continue;
    const std::string flags = line + " ";
    return flags.find(" constant_tsc ") != std::string::npos &&
           flags.find(" nonstop_tsc ") != std::string::npos;
  }
  return false;
}
struct TscUse {
  bool rate = false;  // durations
  bool wall = false;  // wall time
};
TscUse DecideTscUse() {
  const char* env = std::getenv("WEFT_CLOCK");
  if (env && std::strcmp(env, "realtime") == 0) return {};
  std::ifstream f("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  const bool kernel_tsc = f >> source && source == "tsc";
  const bool invariant = kernel_tsc || CpuHasInvariantTsc();
  return {invariant, kernel_tsc || (invariant && env && std::strcmp(env, "tsc") == 0)};
}

struct Sample {
  uint64_t ns, tsc;
};
Sample Take() {
  // The TSC reads bracket the clock read; their midpoint pairs with it. The tightest of a
  // few brackets (a preempted read would pair the clock with the wrong tick).
  Sample best{};
  uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < 3; ++i) {
    const uint64_t t1 = __rdtsc();
    const uint64_t ns = RealtimeNanos();
    const uint64_t t2 = __rdtsc();
    if (t2 - t1 < best_width) {
      best_width = t2 - t1;
      best = {ns, t1 + (t2 - t1) / 2};
    }
  }
  return best;
}

// Where the published calibration puts TSC tick `tsc`.
uint64_t Predict(uint64_t tsc) {
  const uint64_t rate = g_clock.rate.load(std::memory_order_relaxed);
  const uint64_t base_ns = g_clock.base_ns.load(std::memory_order_relaxed);
  const uint64_t base_tsc = g_clock.base_tsc.load(std::memory_order_relaxed);
  const int64_t ticks = static_cast<int64_t>(tsc - base_tsc);
  if (ticks >= 0)
    return base_ns + static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * rate) >> 32);
  return base_ns - static_cast<uint64_t>((static_cast<unsigned __int128>(-ticks) * rate) >> 32);
}
// A calibrated time further than this from CLOCK_REALTIME means one of them jumped (the
// wall clock was stepped, or the VM was restored and its TSC moved): the rate is measured
// again from a new baseline.
constexpr uint64_t kMaxDriftNs = 1'000'000;

std::mutex g_mu;
bool g_checked = false;
TscUse g_use;
Sample g_first{};
#endif

}  // namespace

void CalibrateClock(bool initial) {
#if defined(__x86_64__)
  std::lock_guard lock(g_mu);
  if (!g_checked) {
    g_checked = true;
    g_use = DecideTscUse();
  }
  if (!g_use.rate) return;
  if (g_first.tsc == 0 || initial) {
    if (g_first.tsc == 0) g_first = Take();
    if (g_clock.rate.load(std::memory_order_relaxed) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Sample now = Take();
  uint64_t rate = g_clock.rate.load(std::memory_order_relaxed);
  const uint64_t predicted = rate ? Predict(now.tsc) : now.ns;
  const uint64_t drift = predicted > now.ns ? predicted - now.ns : now.ns - predicted;
  if (now.tsc <= g_first.tsc || now.ns <= g_first.ns || drift > kMaxDriftNs) {
    // A jump (or time going backwards): re-anchor at `now` with the rate we had, and measure
    // the rate again from here on the next call.
    g_first = now;
    if (rate == 0) return;
  } else {
    rate = static_cast<uint64_t>((static_cast<unsigned __int128>(now.ns - g_first.ns) << 32) /
                                 (now.tsc - g_first.tsc));
  }
  g_clock.seq.fetch_add(1, std::memory_order_acq_rel);  // odd: readers fall back
  g_clock.base_ns.store(now.ns, std::memory_order_release);
  g_clock.base_tsc.store(now.tsc, std::memory_order_release);
  g_clock.mult.store(g_use.wall ? rate : 0, std::memory_order_release);
  g_clock.seq.fetch_add(1, std::memory_order_release);
  g_clock.rate.store(rate, std::memory_order_relaxed);
#else
  (void)initial;
#endif
}

}  // namespace weft::detail

namespace weft {
namespace {

class SystemClock final : public SteadyClock {
 public:
  time_point Now() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 time_point deadline) const override {
    cv.wait_until(lock, deadline);
  }
  int PollTimeoutMs(time_point deadline) const override {
    // Rounded up, so that a few microseconds left do not turn into a busy poll(0).
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
  }
};

}  // namespace

const SteadyClock& SystemSteadyClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace weft
