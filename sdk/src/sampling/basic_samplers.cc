// AlwaysOn, AlwaysOff, TraceIdRatio and ParentBased: stateless samplers, a few ns each.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "sampling/describe.h"
#include "weft/sampler.h"

namespace weft {
namespace {

class AlwaysOn final : public Sampler {
 public:
  SamplingDecision ShouldSample(const SamplingParams&) override {
    return SamplingDecision::kRecordAndSample;
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
 public:
  SamplingDecision ShouldSample(const SamplingParams&) override { return SamplingDecision::kDrop; }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

// OpenTelemetry JS's TraceIdRatioBasedSampler rule (see sampler.h): XOR of the trace id's
// four big-endian 32-bit words, compared with floor(ratio * 0xffffffff).
class TraceIdRatio final : public Sampler {
 public:
  explicit TraceIdRatio(double ratio)
      : ratio_(std::isnan(ratio) || ratio <= 0 ? 0
               : ratio >= 1                    ? 1
                                               : ratio),
        // Ratio 1 admits every 32-bit value, as OTel JS 2.x does (its 1.x releases used
        // floor(0xffffffff) here too and so dropped x == 0xffffffff).
        upper_bound_(ratio_ >= 1 ? uint64_t{1} << 32
                                 : static_cast<uint64_t>(std::floor(ratio_ * 4294967295.0))) {}

  SamplingDecision ShouldSample(const SamplingParams& p) override {
    // XOR commutes with reordering bytes, so XOR the words in memory order and swap the
    // bytes of the 32-bit result once.
    uint64_t a, b;
    std::memcpy(&a, p.trace_id.bytes.data(), 8);
    std::memcpy(&b, p.trace_id.bytes.data() + 8, 8);
    const uint64_t x = a ^ b;
    uint32_t acc = static_cast<uint32_t>(x) ^ static_cast<uint32_t>(x >> 32);
    if constexpr (std::endian::native == std::endian::little) acc = __builtin_bswap32(acc);
    return (a | b) != 0 && acc < upper_bound_ ? SamplingDecision::kRecordAndSample
                                              : SamplingDecision::kDrop;
  }
  std::string Description() const override {
    return "TraceIdRatioBased{" + sampling::FormatNumber(ratio_) + "}";
  }

 private:
  const double ratio_;
  const uint64_t upper_bound_;
};

class ParentBased final : public Sampler {
 public:
  explicit ParentBased(std::shared_ptr<Sampler> root) : root_(std::move(root)) {}

  SamplingDecision ShouldSample(const SamplingParams& p) override {
    if (!p.parent.valid()) return root_->ShouldSample(p);
    return (p.parent.flags & (kTraceFlagSampled | kTraceFlagDebug))
               ? SamplingDecision::kRecordAndSample
               : SamplingDecision::kDrop;
  }
  std::string Description() const override {
    return "ParentBased{root=" + root_->Description() + "}";
  }
  bool FollowsParent() const override { return true; }

 private:
  const std::shared_ptr<Sampler> root_;
};

}  // namespace

std::shared_ptr<Sampler> AlwaysOnSampler() {
  static const std::shared_ptr<Sampler> kOn = std::make_shared<AlwaysOn>();
  return kOn;
}

std::shared_ptr<Sampler> AlwaysOffSampler() {
  static const std::shared_ptr<Sampler> kOff = std::make_shared<AlwaysOff>();
  return kOff;
}

std::shared_ptr<Sampler> TraceIdRatioSampler(double ratio) {
  return std::make_shared<TraceIdRatio>(ratio);
}

std::shared_ptr<Sampler> ParentBasedSampler(std::shared_ptr<Sampler> root) {
  return std::make_shared<ParentBased>(root ? std::move(root) : AlwaysOnSampler());
}

}  // namespace weft
