#include "sampling/limit_policies.h"

#include <unordered_map>

namespace weft::pipeline::sampling {
namespace {

class RateLimiting final : public Policy {
 public:
  RateLimiting(std::string name, int64_t sps) : Policy(std::move(name)), sps_(sps) {}
  Verdict evaluate(const TraceFacts& t) override {
    const uint64_t second = t.now_unix_nano / 1'000'000'000ULL;
    if (second != second_) {
      second_ = second;
      spent_ = 0;
    }
    const int64_t if_sampled = spent_ + static_cast<int64_t>(t.summary.span_count);
    if (if_sampled < sps_) {
      spent_ = if_sampled;
      return Verdict::kSampled;
    }
    return Verdict::kNotSampled;
  }

 private:
  int64_t sps_;
  uint64_t second_ = 0;
  int64_t spent_ = 0;
};

class Rare final : public Policy {
 public:
  Rare(std::string name, int64_t max, uint64_t window)
      : Policy(std::move(name)), max_(max), window_(window) {}
  Verdict evaluate(const TraceFacts& t) override {
    const uint64_t window = t.now_unix_nano / window_;
    const uint64_t key = (uint64_t{t.summary.service_id} << 32) | t.summary.operation_id;
    if (counts_.size() >= kCompactAt) compact(window);
    Slot& slot = counts_[key];
    if (slot.window != window) slot = Slot{window, 0};
    if (slot.count >= max_) return Verdict::kNotSampled;
    ++slot.count;
    return Verdict::kSampled;
  }

 private:
  struct Slot {
    uint64_t window = ~uint64_t{0};
    int64_t count = 0;
  };
  // Forgets keys not seen in the current window (they would restart at 0 anyway).
  void compact(uint64_t window) {
    std::erase_if(counts_, [window](const auto& kv) { return kv.second.window != window; });
  }
  static constexpr size_t kCompactAt = 1 << 16;

  int64_t max_;
  uint64_t window_;
  std::unordered_map<uint64_t, Slot> counts_;
};

}  // namespace

std::unique_ptr<Policy> make_rate_limiting(std::string name, int64_t spans_per_second) {
  return std::make_unique<RateLimiting>(std::move(name), spans_per_second);
}

std::unique_ptr<Policy> make_rare(std::string name, int64_t max_per_window, uint64_t window_ns) {
  return std::make_unique<Rare>(std::move(name), max_per_window, window_ns);
}

}  // namespace weft::pipeline::sampling
