#pragma once
// A SteadyClock whose time moves only when a test moves it, so that timeout, backoff, poll
// and flush tests assert on exact times instead of on the wall clock.
//
// kManual: Advance() moves the time; a waiter blocks in real time slices of 1 ms and looks
//          at Now() again (the SDK's waits are loops), so it sees an Advance within ~1 ms.
// kJumpOnWait: a condition-variable wait returns at once with the time moved to its
//          deadline (a simulated sleep); poll() waits for I/O in real 1 ms slices without
//          moving the time. For code whose waits should not take real time (backoffs).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "weft/clock.h"

namespace weft::testing {

class FakeSteadyClock final : public SteadyClock {
 public:
  enum Mode { kManual, kJumpOnWait };
  explicit FakeSteadyClock(Mode mode = kManual) : mode_(mode) {}

  time_point Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    now_ += std::chrono::duration_cast<time_point::duration>(d);
  }
  // Time moved since the clock was made.
  std::chrono::nanoseconds Elapsed() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Now() - time_point{});
  }
  // Condition-variable waits begun so far (kManual: each 1 ms slice counts).
  uint64_t waits() const {
    std::lock_guard lock(mu_);
    return waits_;
  }

  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 time_point deadline) const override {
    {
      std::lock_guard guard(mu_);
      ++waits_;
      if (mode_ == kJumpOnWait) {
        if (now_ < deadline) now_ = deadline;
        return;
      }
      if (now_ >= deadline) return;
    }
    cv.wait_for(lock, std::chrono::milliseconds(1));
  }
  int PollTimeoutMs(time_point deadline) const override {
    std::lock_guard lock(mu_);
    ++polls_;
    return now_ >= deadline ? 0 : 1;
  }
  // PollTimeoutMs calls so far: each is a look at the clock before a poll().
  uint64_t polls() const {
    std::lock_guard lock(mu_);
    return polls_;
  }

 private:
  const Mode mode_;
  mutable std::mutex mu_;
  mutable time_point now_{};
  mutable uint64_t waits_ = 0;
  mutable uint64_t polls_ = 0;
};

// Waits (real time, up to `limit`: a guard against hanging, not a timing check) until
// `pred` holds.
inline bool Eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace weft::testing
