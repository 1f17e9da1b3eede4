#pragma once
// Clock injected where tests need control of time.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace weft {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, nanoseconds since the Unix epoch.
  virtual uint64_t now_unix_nanos() const = 0;
  // Monotonic time for durations and timeouts.
  virtual uint64_t monotonic_nanos() const = 0;
  static Clock& system();
};

class SystemClock final : public Clock {
 public:
  uint64_t now_unix_nanos() const override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
  uint64_t monotonic_nanos() const override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
};

inline Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

// A clock tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint64_t now = 1'700'000'000'000'000'000ULL) : now_(now) {}
  uint64_t now_unix_nanos() const override { return now_.load(); }
  uint64_t monotonic_nanos() const override { return now_.load(); }
  void advance(uint64_t nanos) { now_ += nanos; }
  void set(uint64_t now) { now_ = now; }

 private:
  std::atomic<uint64_t> now_;
};

}  // namespace weft
