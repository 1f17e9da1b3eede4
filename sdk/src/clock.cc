#include "weft/clock.h"

#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace weft::detail {
namespace {

#if defined(__x86_64__)
// The TSC is trusted only when the kernel itself uses it as its clock source: then it is
// invariant and synchronized across cores (the kernel checked that).
bool TscUsable() {
  std::ifstream f("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return f >> source && source == "tsc";
}

struct Sample {
  uint64_t ns, tsc;
};
Sample Take() {
  // The TSC read brackets the clock read; their midpoint pairs with it.
  const uint64_t t1 = __rdtsc();
  const uint64_t ns = RealtimeNanos();
  const uint64_t t2 = __rdtsc();
  return {ns, t1 + (t2 - t1) / 2};
}

std::mutex g_mu;
bool g_checked = false, g_usable = false;
Sample g_first{};
#endif

}  // namespace

void CalibrateClock(bool initial) {
#if defined(__x86_64__)
  std::lock_guard lock(g_mu);
  if (!g_checked) {
    g_checked = true;
    g_usable = TscUsable();
  }
  if (!g_usable) return;
  if (g_first.tsc == 0 || initial) {
    if (g_first.tsc == 0) g_first = Take();
    if (g_clock.mult.load(std::memory_order_relaxed) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Sample now = Take();
  if (now.tsc <= g_first.tsc || now.ns <= g_first.ns) return;
  const uint64_t mult = static_cast<uint64_t>(
      (static_cast<unsigned __int128>(now.ns - g_first.ns) << 32) / (now.tsc - g_first.tsc));
  g_clock.seq.fetch_add(1, std::memory_order_acq_rel);  // odd: readers fall back
  g_clock.base_ns.store(now.ns, std::memory_order_relaxed);
  g_clock.base_tsc.store(now.tsc, std::memory_order_relaxed);
  g_clock.mult.store(mult, std::memory_order_relaxed);
  g_clock.seq.fetch_add(1, std::memory_order_release);
#else
  (void)initial;
#endif
}

}  // namespace weft::detail
