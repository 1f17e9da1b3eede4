#include "sampling/combinator_policies.h"

namespace weft::pipeline::sampling {
namespace {

class AndPolicy final : public Policy {
 public:
  AndPolicy(std::string name, std::vector<std::unique_ptr<Policy>> subs)
      : Policy(std::move(name)), subs_(std::move(subs)) {}
  Verdict evaluate(const TraceFacts& t) override {
    for (auto& sub : subs_)
      if (!is_sampled(sub->evaluate(t))) return Verdict::kNotSampled;
    return Verdict::kSampled;
  }

 private:
  std::vector<std::unique_ptr<Policy>> subs_;
};

class CompositePolicy final : public Policy {
 public:
  CompositePolicy(std::string name, int64_t max_total, std::vector<CompositeSub> subs)
      : Policy(std::move(name)), max_total_(max_total), subs_(std::move(subs)),
        spent_(subs_.size(), 0) {}
  Verdict evaluate(const TraceFacts& t) override {
    const uint64_t second = t.now_unix_nano / 1'000'000'000ULL;
    if (second != second_) {
      second_ = second;
      std::fill(spent_.begin(), spent_.end(), 0);
    }
    for (size_t i = 0; i < subs_.size(); ++i) {
      if (!is_sampled(subs_[i].policy->evaluate(t))) continue;
      const int64_t if_sampled = spent_[i] + static_cast<int64_t>(t.summary.span_count);
      if (if_sampled <= subs_[i].allocated_sps && if_sampled <= max_total_) {
        spent_[i] = if_sampled;
        return Verdict::kSampled;
      }
      return Verdict::kNotSampled;
    }
    return Verdict::kNotSampled;
  }

 private:
  int64_t max_total_;
  std::vector<CompositeSub> subs_;
  std::vector<int64_t> spent_;
  uint64_t second_ = ~uint64_t{0};
};

}  // namespace

std::unique_ptr<Policy> make_and(std::string name, std::vector<std::unique_ptr<Policy>> subs) {
  return std::make_unique<AndPolicy>(std::move(name), std::move(subs));
}

std::unique_ptr<Policy> make_composite(std::string name, int64_t max_total_sps,
                                       std::vector<CompositeSub> subs) {
  return std::make_unique<CompositePolicy>(std::move(name), max_total_sps, std::move(subs));
}

}  // namespace weft::pipeline::sampling
