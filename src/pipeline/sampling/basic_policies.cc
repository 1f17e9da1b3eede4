#include "sampling/basic_policies.h"

#include <cmath>
#include <limits>

namespace weft::pipeline::sampling {
namespace {

using namespace weft::model;

class AlwaysSample final : public Policy {
 public:
  using Policy::Policy;
  Verdict evaluate(const TraceFacts&) override { return Verdict::kSampled; }
};

class StatusCodePolicy final : public Policy {
 public:
  StatusCodePolicy(std::string name, uint8_t mask) : Policy(std::move(name)), mask_(mask) {}
  Verdict evaluate(const TraceFacts& t) override {
    return (t.summary.status_bits & mask_) ? Verdict::kSampled : Verdict::kNotSampled;
  }

 private:
  uint8_t mask_;
};

class LatencyPolicy final : public Policy {
 public:
  LatencyPolicy(std::string name, int64_t lower, int64_t upper)
      : Policy(std::move(name)), lower_(lower), upper_(upper) {}
  Verdict evaluate(const TraceFacts& t) override {
    const auto ms = static_cast<int64_t>(t.summary.duration_nanos() / 1'000'000);
    const bool hit = upper_ == 0 ? ms >= lower_ : (lower_ < ms && ms <= upper_);
    return hit ? Verdict::kSampled : Verdict::kNotSampled;
  }

 private:
  int64_t lower_, upper_;
};

class SpanCountPolicy final : public Policy {
 public:
  SpanCountPolicy(std::string name, int64_t min, int64_t max)
      : Policy(std::move(name)), min_(min), max_(max) {}
  Verdict evaluate(const TraceFacts& t) override {
    const auto n = static_cast<int64_t>(t.summary.span_count);
    return n >= min_ && (max_ == 0 || n <= max_) ? Verdict::kSampled : Verdict::kNotSampled;
  }

 private:
  int64_t min_, max_;
};

class ProbabilisticPolicy final : public Policy {
 public:
  ProbabilisticPolicy(std::string name, double percentage, std::string salt)
      : Policy(std::move(name)), salt_(std::move(salt)) {
    const double ratio = percentage / 100;
    // 2^64-1 is not a double; 2^64 * ratio, clamped, is what big.Float gives within 1 ulp.
    if (ratio >= 1)
      threshold_ = std::numeric_limits<uint64_t>::max();
    else if (ratio <= 0)
      threshold_ = 0;
    else
      threshold_ = static_cast<uint64_t>(std::ldexp(ratio, 64));
  }
  Verdict evaluate(const TraceFacts& t) override {
    return probabilistic_hash(salt_, t.trace_id) <= threshold_ ? Verdict::kSampled
                                                               : Verdict::kNotSampled;
  }

 private:
  std::string salt_;
  uint64_t threshold_ = 0;
};

class PredicatePolicy final : public Policy {
 public:
  PredicatePolicy(std::string name, size_t bit, bool invert)
      : Policy(std::move(name)), mask_(uint64_t{1} << bit), invert_(invert) {}
  Verdict evaluate(const TraceFacts& t) override {
    const bool hit = (t.summary.predicate_bits & mask_) != 0;
    if (invert_) return hit ? Verdict::kInvertNotSampled : Verdict::kInvertSampled;
    return hit ? Verdict::kSampled : Verdict::kNotSampled;
  }

 private:
  uint64_t mask_;
  bool invert_;
};

}  // namespace

uint64_t probabilistic_hash(const std::string& salt, const TraceId& id) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (char c : salt) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
  for (uint8_t b : id.bytes) h = (h ^ b) * 1099511628211ULL;
  return h;
}

std::unique_ptr<Policy> make_always_sample(std::string name) {
  return std::make_unique<AlwaysSample>(std::move(name));
}

std::unique_ptr<Policy> make_status_code(std::string name,
                                         const std::vector<SpanStatusCode>& codes) {
  uint8_t mask = 0;
  for (SpanStatusCode c : codes) mask |= status_bit(c);
  return std::make_unique<StatusCodePolicy>(std::move(name), mask);
}

std::unique_ptr<Policy> make_latency(std::string name, int64_t threshold_ms,
                                     int64_t upper_threshold_ms) {
  return std::make_unique<LatencyPolicy>(std::move(name), threshold_ms, upper_threshold_ms);
}

std::unique_ptr<Policy> make_span_count(std::string name, int64_t min_spans, int64_t max_spans) {
  return std::make_unique<SpanCountPolicy>(std::move(name), min_spans, max_spans);
}

std::unique_ptr<Policy> make_probabilistic(std::string name, double percentage,
                                           const std::string& salt) {
  return std::make_unique<ProbabilisticPolicy>(std::move(name), percentage,
                                               salt.empty() ? "default-hash-seed" : salt);
}

std::unique_ptr<Policy> make_predicate_policy(std::string name, size_t bit, bool invert) {
  return std::make_unique<PredicatePolicy>(std::move(name), bit, invert);
}

}  // namespace weft::pipeline::sampling
