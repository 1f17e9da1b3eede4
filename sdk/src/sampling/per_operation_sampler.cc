// Per-operation rules: the first rule (in the caller's order) whose pattern matches the span
// name decides. Exact patterns are looked up in a hash map (remote strategies can list
// thousands of operations); only prefix patterns ("name*") that come before the exact hit
// are scanned.
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/sampler.h"

namespace weft {
namespace {

class PerOperation final : public Sampler {
 public:
  PerOperation(std::vector<OperationRule> rules, std::shared_ptr<Sampler> fallback)
      : rules_(std::move(rules)), fallback_(std::move(fallback)) {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (!rules_[i].sampler) rules_[i].sampler = fallback_;
      const std::string& pattern = rules_[i].name_pattern;
      if (!pattern.empty() && pattern.back() == '*') {
        prefixes_.push_back({i, pattern.substr(0, pattern.size() - 1)});
      } else {
        exact_.emplace(pattern, i);  // keeps the first rule for a repeated name
      }
    }
  }

  SamplingDecision ShouldSample(const SamplingParams& p) override {
    return Select(p.name).ShouldSample(p);
  }

  std::string Description() const override {
    return "PerOperation{" + std::to_string(rules_.size()) +
           " rules, fallback=" + fallback_->Description() + "}";
  }

 private:
  Sampler& Select(std::string_view name) const {
    size_t best = std::numeric_limits<size_t>::max();
    if (auto it = exact_.find(name); it != exact_.end()) best = it->second;
    for (const Prefix& prefix : prefixes_) {
      if (prefix.index > best) break;
      if (name.starts_with(prefix.text)) return *rules_[prefix.index].sampler;
    }
    return best < rules_.size() ? *rules_[best].sampler : *fallback_;
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Prefix {
    size_t index;
    std::string text;
  };
  std::vector<OperationRule> rules_;
  std::shared_ptr<Sampler> fallback_;
  std::unordered_map<std::string, size_t, Hash, std::equal_to<>> exact_;
  std::vector<Prefix> prefixes_;  // in rule order
};

}  // namespace

std::shared_ptr<Sampler> PerOperationSampler(std::vector<OperationRule> rules,
                                             std::shared_ptr<Sampler> fallback) {
  if (!fallback) fallback = AlwaysOnSampler();  // the SDK's default decision
  return std::make_shared<PerOperation>(std::move(rules), std::move(fallback));
}

}  // namespace weft
