#include "sampling/strategy.h"

#include <chrono>
#include <cmath>
#include <vector>

#include "sampling/json_lite.h"

namespace weft::sampling {
namespace {

using json::JsonValue;

// A member by its camelCase (protobuf JSON) or snake_case (Jaeger strategies file, Thrift)
// name.
const JsonValue* Member(const JsonValue& obj, std::string_view camel, std::string_view snake) {
  const JsonValue* v = obj.Find(camel);
  return v ? v : obj.Find(snake);
}

bool Number(const JsonValue& obj, std::string_view camel, std::string_view snake, double* out) {
  const JsonValue* v = Member(obj, camel, snake);
  if (!v || !v->is_number() || std::isnan(v->as_number())) return false;
  *out = v->as_number();
  return true;
}

double Clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

// {"samplingRate": r} inside `obj`'s probabilisticSampling member.
bool ProbabilisticRate(const JsonValue& obj, double* rate) {
  const JsonValue* p = Member(obj, "probabilisticSampling", "probabilistic_sampling");
  return p && p->is_object() && Number(*p, "samplingRate", "sampling_rate", rate);
}

// Jaeger's GuaranteedThroughputProbabilisticSampler: the ratio decides, and a lower-bound
// rate limiter admits a trace the ratio dropped. The limiter is consulted for every
// decision, as in Jaeger's clients, so sampled traces use up its budget too.
class GuaranteedThroughput final : public Sampler {
 public:
  GuaranteedThroughput(double rate, double lower_bound)
      : ratio_(TraceIdRatioSampler(rate)), lower_(RateLimitingSampler(lower_bound)) {}
  SamplingDecision ShouldSample(const SamplingParams& p) override {
    const SamplingDecision by_ratio = ratio_->ShouldSample(p);
    const SamplingDecision by_rate = lower_->ShouldSample(p);
    return by_ratio == SamplingDecision::kRecordAndSample ? by_ratio : by_rate;
  }
  std::string Description() const override {
    return "GuaranteedThroughput{" + ratio_->Description() + "," + lower_->Description() + "}";
  }

 private:
  std::shared_ptr<Sampler> ratio_, lower_;
};

std::shared_ptr<Sampler> RatioWithLowerBound(double rate, double lower_bound) {
  if (lower_bound > 0 && rate < 1) return std::make_shared<GuaranteedThroughput>(rate, lower_bound);
  return TraceIdRatioSampler(rate);
}

std::shared_ptr<Sampler> FromOperationSampling(const JsonValue& ops, const JsonValue& root,
                                               std::string* error) {
  double default_rate;
  if (!Number(ops, "defaultSamplingProbability", "default_sampling_probability", &default_rate) &&
      !ProbabilisticRate(root, &default_rate)) {
    *error = "operationSampling without defaultSamplingProbability";
    return nullptr;
  }
  double lower_bound = 0;
  Number(ops, "defaultLowerBoundTracesPerSecond", "default_lower_bound_traces_per_second",
         &lower_bound);
  std::vector<OperationRule> rules;
  if (const JsonValue* list = Member(ops, "perOperationStrategies", "per_operation_strategies");
      list && list->is_array()) {
    for (const JsonValue& entry : list->items()) {
      const JsonValue* name = entry.FindString("operation");
      double rate;
      if (!name || !ProbabilisticRate(entry, &rate)) continue;  // tolerate odd entries
      rules.push_back({name->as_string(), RatioWithLowerBound(Clamp01(rate), lower_bound)});
    }
  }
  return PerOperationSampler(std::move(rules),
                             RatioWithLowerBound(Clamp01(default_rate), lower_bound));
}

}  // namespace

std::shared_ptr<Sampler> SamplerFromStrategyJson(std::string_view text, std::string* error) {
  JsonValue root;
  if (!json::Parse(text, &root, error)) return nullptr;
  if (!root.is_object()) {
    *error = "sampling strategy is not a JSON object";
    return nullptr;
  }

  if (const JsonValue* w = Member(root, "weftPerWindow", "weft_per_window"); w && w->is_object()) {
    double traces, seconds;
    if (!Number(*w, "traces", "traces", &traces) ||
        !Number(*w, "windowSeconds", "window_seconds", &seconds) || traces < 0 || seconds <= 0 ||
        traces > 4294967295.0 || seconds > 86400.0 * 365) {
      *error = "weftPerWindow needs traces >= 0 and windowSeconds > 0";
      return nullptr;
    }
    return PerWindowSampler(static_cast<uint32_t>(traces),
                            std::chrono::milliseconds(std::llround(seconds * 1000)));
  }

  if (const JsonValue* ops = Member(root, "operationSampling", "operation_sampling");
      ops && ops->is_object())
    return FromOperationSampling(*ops, root, error);

  // strategyType: "PROBABILISTIC" / "RATE_LIMITING", 0 / 1, or absent (then by the member
  // that is present).
  enum { kUnknown, kProbabilistic, kRateLimiting } type = kUnknown;
  if (const JsonValue* t = Member(root, "strategyType", "strategy_type")) {
    if (t->is_string() && t->as_string() == "PROBABILISTIC") type = kProbabilistic;
    if (t->is_string() && t->as_string() == "RATE_LIMITING") type = kRateLimiting;
    if (t->is_number() && t->as_number() == 0) type = kProbabilistic;
    if (t->is_number() && t->as_number() == 1) type = kRateLimiting;
  }
  const JsonValue* limit = Member(root, "rateLimitingSampling", "rate_limiting_sampling");
  if (type == kUnknown) {
    if (Member(root, "probabilisticSampling", "probabilistic_sampling")) {
      type = kProbabilistic;
    } else if (limit) {
      type = kRateLimiting;
    }
  }
  if (type == kProbabilistic) {
    double rate;
    if (ProbabilisticRate(root, &rate)) return TraceIdRatioSampler(Clamp01(rate));
    *error = "PROBABILISTIC strategy without probabilisticSampling.samplingRate";
    return nullptr;
  }
  if (type == kRateLimiting) {
    double per_second;
    if (limit && limit->is_object() &&
        Number(*limit, "maxTracesPerSecond", "max_traces_per_second", &per_second))
      return RateLimitingSampler(per_second < 0 ? 0 : per_second);
    *error = "RATE_LIMITING strategy without rateLimitingSampling.maxTracesPerSecond";
    return nullptr;
  }
  *error = "no sampling strategy in the response";
  return nullptr;
}

}  // namespace weft::sampling
