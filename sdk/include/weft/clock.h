#pragma once
// The span clock: wall time in nanoseconds since the Unix epoch (what OTLP carries).
//
// clock_gettime(CLOCK_REALTIME) costs ~20-25 ns even through the vDSO; a span reads the
// clock twice, which alone would be most of the span budget. On x86-64 with an invariant
// TSC the SDK reads the TSC (~7 ns) and converts it with a calibration against
// CLOCK_REALTIME that Init makes (10 ms baseline) and the batch processor refreshes every
// export cycle (a longer baseline each time, so the rate error falls to well under a ppm).
// Between refreshes the time can differ from CLOCK_REALTIME by the rate error times the
// interval (microseconds at worst); a span's end is never before its start.
#include <atomic>
#include <cstdint>
#include <ctime>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace weft {

inline uint64_t RealtimeNanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

namespace detail {
// Published with a sequence lock: writers make `seq` odd, store, make it even.
struct ClockCalibration {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint64_t> base_ns{0};
  std::atomic<uint64_t> base_tsc{0};
  std::atomic<uint64_t> mult{0};  // nanoseconds per TSC tick << 32; 0 = use CLOCK_REALTIME
};
inline ClockCalibration g_clock;
// Takes a (CLOCK_REALTIME, TSC) pair and refines the rate. `initial` waits 10 ms for a
// first rate. Thread-safe; a no-op where the TSC is not usable.
void CalibrateClock(bool initial = false);
}  // namespace detail

inline uint64_t NowNanos() {
#if defined(__x86_64__)
  const detail::ClockCalibration& c = detail::g_clock;
  const uint32_t s = c.seq.load(std::memory_order_acquire);
  const uint64_t mult = c.mult.load(std::memory_order_relaxed);
  const uint64_t base_ns = c.base_ns.load(std::memory_order_relaxed);
  const uint64_t base_tsc = c.base_tsc.load(std::memory_order_relaxed);
  const uint64_t tsc = __rdtsc();
  std::atomic_thread_fence(std::memory_order_acquire);
  if (mult != 0 && !(s & 1) && c.seq.load(std::memory_order_relaxed) == s) [[likely]] {
    const int64_t ticks = static_cast<int64_t>(tsc - base_tsc);
    if (ticks >= 0)
      return base_ns + static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * mult) >> 32);
    return base_ns - static_cast<uint64_t>((static_cast<unsigned __int128>(-ticks) * mult) >> 32);
  }
#endif
  return RealtimeNanos();
}

}  // namespace weft
