#pragma once
// Retry policy shared by the OTLP exporters: exponential backoff with jitter, a server hint
// (Retry-After / RetryInfo) honoured up to the cap, and a sleep that Shutdown() cuts short.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

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
  // Sleeps for `d`; false if stopped (before or during).
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopped_; });
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
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace weft::otlp
