#pragma once
// The span clock: wall time in nanoseconds since the Unix epoch (what OTLP carries).
//
// clock_gettime(CLOCK_REALTIME) costs ~20-30 ns even through the vDSO; a span reads the
// clock twice, which alone would be most of the span budget. On x86-64 with an invariant
// TSC the SDK reads the TSC (~7-15 ns, and it overlaps with the work around it) and
// converts it with a calibration against CLOCK_REALTIME that Init makes (10 ms baseline)
// and the batch processor refreshes every export cycle (a longer baseline each time, so
// the rate error falls to well under a ppm; a jump of either clock starts a new baseline).
// Between refreshes the time can differ from CLOCK_REALTIME by the rate error times the
// interval (microseconds at worst); a span's end is never before its start.
//
// Wall time comes from the TSC only where the kernel itself uses the TSC as its clock
// source (or WEFT_CLOCK=tsc says so). Elsewhere — a VM on kvm-clock, say — the start of a
// span is a CLOCK_REALTIME read and its end the start plus the TSC ticks in between, if the
// CPU reports a constant-rate TSC (constant_tsc, nonstop_tsc). A thread reads the clock for
// a start at most about once a millisecond: a span that starts within kAnchorTicks (~1 ms)
// of the thread's last read takes that read plus the ticks since, just as an end does, so
// that back-to-back spans do not pay for a read each (~40-60 ns on such a VM). Its time is
// then as close to CLOCK_REALTIME as a span end is (the calibrated rate's error over 1 ms,
// nanoseconds; a step of the wall clock shows in the thread's next read, within ~1 ms).
// WEFT_CLOCK=realtime reads CLOCK_REALTIME for both ends of every span.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
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
// Published with a sequence lock: writers make `seq` odd, store (release), make it even.
struct ClockCalibration {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint64_t> base_ns{0};
  std::atomic<uint64_t> base_tsc{0};
  // Nanoseconds per TSC tick << 32, for wall time (NowNanos); 0 = use CLOCK_REALTIME.
  std::atomic<uint64_t> mult{0};
  // The same rate, for durations only (span ends); set whenever the TSC ticks at a constant
  // rate, even where it is not trusted for wall time. 0 = read the clock at the end too.
  // One word: a reader needs no sequence lock for it.
  std::atomic<uint64_t> rate{0};
};
inline ClockCalibration g_clock;
// Takes a (CLOCK_REALTIME, TSC) pair and refines the rate. `initial` waits 10 ms for a
// first rate. Thread-safe; a no-op where the TSC is not usable.
void CalibrateClock(bool initial = false);

// A clock read bracketed by TSC reads further apart than this (~0.1-0.2 µs at 1-3 GHz,
// several times a vDSO clock_gettime) was interrupted.
inline constexpr uint64_t kMaxPairTicks = 400;

// Wall time from the TSC per the calibration, or false (torn read, or no calibration).
inline bool TscWallNanos(uint64_t* ns_out, uint64_t* tsc_out) {
#if defined(__x86_64__)
  const ClockCalibration& c = g_clock;
  // Acquire loads instead of relaxed loads and a fence (the same instructions on x86, and a
  // pattern ThreadSanitizer models): a field read from a newer calibration makes the
  // re-read of `seq` see that the calibration changed.
  const uint32_t s = c.seq.load(std::memory_order_acquire);
  const uint64_t mult = c.mult.load(std::memory_order_acquire);
  const uint64_t base_ns = c.base_ns.load(std::memory_order_acquire);
  const uint64_t base_tsc = c.base_tsc.load(std::memory_order_acquire);
  if (mult == 0) return false;
  const uint64_t tsc = __rdtsc();
  if ((s & 1) || c.seq.load(std::memory_order_relaxed) != s) [[unlikely]]
    return false;
  const int64_t ticks = static_cast<int64_t>(tsc - base_tsc);
  *tsc_out = tsc;
  *ns_out =
      ticks >= 0
          ? base_ns + static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * mult) >> 32)
          : base_ns - static_cast<uint64_t>((static_cast<unsigned __int128>(-ticks) * mult) >> 32);
  return true;
#else
  (void)ns_out;
  (void)tsc_out;
  return false;
#endif
}

// The thread's last CLOCK_REALTIME read for a span start and the TSC tick paired with it.
struct ClockAnchor {
  uint64_t ns = 0, tsc = 0;  // tsc 0: none yet
};
inline thread_local ClockAnchor t_clock_anchor;
// How long an anchor serves: 2^21 ticks, 0.4-2 ms at the TSC rates of 1-5 GHz.
inline constexpr uint64_t kAnchorTicks = uint64_t{1} << 21;
// Wall time now, and in *tsc the TSC tick it goes with (0 where span durations are not
// measured with the TSC): the start of a span.
inline uint64_t NowNanosAndTsc(uint64_t* tsc) {
  uint64_t ns;
  if (TscWallNanos(&ns, tsc)) [[likely]]
    return ns;
#if defined(__x86_64__)
  if (const uint64_t rate = g_clock.rate.load(std::memory_order_relaxed)) [[likely]] {
    ClockAnchor& anchor = t_clock_anchor;
    const uint64_t t1 = __rdtsc();
    // Unsigned: a tick before the anchor's (this thread moved to a core whose TSC is
    // behind) is a huge `since`, and reads the clock. since * rate fits in 64 bits for
    // any TSC faster than 0.5 MHz.
    const uint64_t since = t1 - anchor.tsc;
    if (since < kAnchorTicks) [[likely]] {
      *tsc = t1;
      return anchor.ns + ((since * rate) >> 32);
    }
    // The clock read between two TSC reads, paired with their midpoint. A wide bracket
    // (an interrupt or a preemption in between) pairs badly: then the end reads the clock,
    // and the read does not become the anchor.
    ns = RealtimeNanos();
    const uint64_t t2 = __rdtsc();
    if (t2 - t1 < kMaxPairTicks) {
      *tsc = t1 + (t2 - t1) / 2;
      anchor = {ns, *tsc};
    } else {
      *tsc = 0;
    }
    return ns;
  }
#endif
  *tsc = 0;
  return RealtimeNanos();
}

// The end of a span that started at `start_ns`, TSC tick `start_tsc` (NowNanosAndTsc): the
// start plus the TSC ticks since, so that where the TSC is not trusted for wall time a span
// still reads the system clock only once. Never before the start.
inline uint64_t SpanEndNanos(uint64_t start_ns, uint64_t start_tsc) {
#if defined(__x86_64__)
  const uint64_t rate = g_clock.rate.load(std::memory_order_relaxed);
  if (start_tsc != 0 && rate != 0) [[likely]] {
    const int64_t ticks = static_cast<int64_t>(__rdtsc() - start_tsc);
    if (ticks >= 0)  // else another core's TSC was behind: read the clock
      return start_ns + static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) * rate) >> 32);
  }
#else
  (void)start_tsc;
#endif
  uint64_t ns, tsc;
  if (!TscWallNanos(&ns, &tsc)) ns = RealtimeNanos();
  return ns > start_ns ? ns : start_ns;
}
}  // namespace detail

inline uint64_t NowNanos() {
  uint64_t ns, tsc;
  if (detail::TscWallNanos(&ns, &tsc)) [[likely]]
    return ns;
  return RealtimeNanos();
}

// --- the clock of timeouts, backoffs and intervals ---
//
// What the SDK's own waiting runs on (HTTP deadlines, export retries and backoff, the remote
// sampler's polls, the log-line exporter's flush interval) — not span timestamps. It is
// std::chrono::steady_clock unless an option injects another, as tests do to make time
// move only when they say so.
class SteadyClock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~SteadyClock() = default;
  virtual time_point Now() const = 0;
  // Blocks on `cv` (with `lock` held) until it is notified or `deadline` comes. May return
  // early: callers look at their condition and at Now() again.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         time_point deadline) const = 0;
  // How long (ms) a poll() for I/O may block now with `deadline` ahead; 0 once it has come.
  // Callers look at Now() again after each poll().
  virtual int PollTimeoutMs(time_point deadline) const = 0;
};

// std::chrono::steady_clock, waiting the whole time.
const SteadyClock& SystemSteadyClock();

// Waits on `cv` until `done()` (true) or the clock reaches `deadline` (false; done() is
// looked at once more). `lock` is held on entry and on return.
template <typename Done>
bool WaitUntil(const SteadyClock& clock, std::condition_variable& cv,
               std::unique_lock<std::mutex>& lock, SteadyClock::time_point deadline, Done done) {
  while (!done()) {
    if (clock.Now() >= deadline) return done();
    clock.WaitUntil(cv, lock, deadline);
  }
  return true;
}

}  // namespace weft
