#include "signal_flush.h"

#include <semaphore.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace weft::detail {
namespace {

constexpr int kSignals[] = {SIGTERM, SIGINT};

struct SignalFlush {
  std::mutex mu;  // guards install/uninstall
  sem_t sem;
  std::atomic<int> pending{0};  // the signal received, or -1 = stop the watcher
  std::thread watcher;
  struct sigaction previous[2];
  SpanProcessor* processor = nullptr;
  std::chrono::milliseconds timeout{5'000};
  bool installed = false;
};
SignalFlush& state() {
  static auto* s = [] {
    auto* p = new SignalFlush;
    sem_init(&p->sem, 0, 0);
    return p;
  }();
  return *s;
}

void OnSignal(int sig) {
  SignalFlush& s = state();
  s.pending.store(sig, std::memory_order_relaxed);
  sem_post(&s.sem);
}

void InstallHandlers(SignalFlush& s, bool save_previous) {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < 2; ++i) sigaction(kSignals[i], &sa, save_previous ? &s.previous[i] : nullptr);
}

void Watch() {
  SignalFlush& s = state();
  for (;;) {
    while (sem_wait(&s.sem) != 0) {
    }
    const int sig = s.pending.exchange(0);
    if (sig < 0) return;
    if (sig == 0) continue;
    {
      std::lock_guard lock(s.mu);
      if (!s.installed) return;
      s.processor->ForceFlush(s.timeout);
      // Chain: put the previous disposition back and deliver the signal again.
      const int i = sig == SIGTERM ? 0 : 1;
      if (s.previous[i].sa_handler == SIG_IGN) continue;
      sigaction(sig, &s.previous[i], nullptr);
    }
    raise(sig);  // default action: the process ends here
    std::lock_guard lock(s.mu);
    if (s.installed) InstallHandlers(s, false);
  }
}

}  // namespace

void InstallSignalFlush(SpanProcessor* processor, std::chrono::milliseconds timeout) {
  SignalFlush& s = state();
  std::unique_lock lock(s.mu);
  if (s.installed) {  // a newer SDK takes over; the first handlers stay the chained ones
    s.processor = processor;
    s.timeout = timeout;
    return;
  }
  s.processor = processor;
  s.timeout = timeout;
  InstallHandlers(s, true);
  s.installed = true;
  s.pending.store(0);
  s.watcher = std::thread(Watch);
}

void UninstallSignalFlush() {
  SignalFlush& s = state();
  std::thread watcher;
  {
    std::lock_guard lock(s.mu);
    if (!s.installed) return;
    for (int i = 0; i < 2; ++i) sigaction(kSignals[i], &s.previous[i], nullptr);
    s.installed = false;
    s.pending.store(-1);
    sem_post(&s.sem);
    watcher = std::move(s.watcher);
  }
  if (watcher.joinable()) watcher.join();
}

}  // namespace weft::detail
