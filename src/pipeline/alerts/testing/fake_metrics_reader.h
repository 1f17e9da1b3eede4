#pragma once
// A MetricsReader for tests: answers each service with the stats set for it and records
// what it was asked. Thread-safe (the engine's thread reads it in alert_engine_test).
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/metrics_reader.h"

namespace weft::pipeline::alerts::testing {

class FakeMetricsReader final : public MetricsReader {
 public:
  struct Call {
    RuleSelector selector;
    uint64_t start_ns, end_ns;
  };

  void set(const std::string& service, WindowStats stats) {
    std::lock_guard lock(mu_);
    stats_[service] = std::move(stats);
  }
  WindowStats window(const RuleSelector& sel, uint64_t start_ns, uint64_t end_ns) const override {
    std::lock_guard lock(mu_);
    calls_.push_back(Call{sel, start_ns, end_ns});
    cv_.notify_all();
    auto it = stats_.find(sel.service);
    return it == stats_.end() ? WindowStats{} : it->second;
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // Blocks until at least `n` windows were read.
  void wait_for_calls(size_t n) const {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return calls_.size() >= n; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, WindowStats> stats_;
  mutable std::vector<Call> calls_;
};

}  // namespace weft::pipeline::alerts::testing
