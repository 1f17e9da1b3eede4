#include "sampling/policy.h"

#include <limits>
#include <map>

#include "sampling/basic_policies.h"
#include "sampling/combinator_policies.h"
#include "sampling/limit_policies.h"

namespace weft::pipeline::sampling {
namespace {

constexpr std::pair<PolicyType, const char*> kTypeNames[] = {
    {PolicyType::kAlwaysSample, "always_sample"},
    {PolicyType::kStatusCode, "status_code"},
    {PolicyType::kLatency, "latency"},
    {PolicyType::kNumericAttribute, "numeric_attribute"},
    {PolicyType::kStringAttribute, "string_attribute"},
    {PolicyType::kBooleanAttribute, "boolean_attribute"},
    {PolicyType::kProbabilistic, "probabilistic"},
    {PolicyType::kRateLimiting, "rate_limiting"},
    {PolicyType::kSpanCount, "span_count"},
    {PolicyType::kTraceState, "trace_state"},
    {PolicyType::kAnd, "and"},
    {PolicyType::kComposite, "composite"},
    {PolicyType::kRare, "rare"},
};

Result<size_t> add_predicate(PredicateSet& predicates, SpanPredicate p, const std::string& name) {
  if (predicates.size() >= kMaxPredicates)
    return invalid_argument("tail_sampling: policy \"" + name + "\": more than " +
                            std::to_string(kMaxPredicates) +
                            " attribute and trace_state policies in all");
  return predicates.add(std::move(p));
}

// Composite sub-policies in evaluation order: policy_order first, then any sub-policy it
// does not name, in composite_sub_policy order.
std::vector<size_t> composite_order(const PolicyConfig& c) {
  std::vector<size_t> order;
  std::vector<bool> taken(c.sub_policies.size(), false);
  for (const std::string& n : c.policy_order)
    for (size_t i = 0; i < c.sub_policies.size(); ++i)
      if (!taken[i] && c.sub_policies[i].name == n) {
        order.push_back(i);
        taken[i] = true;
      }
  for (size_t i = 0; i < c.sub_policies.size(); ++i)
    if (!taken[i]) order.push_back(i);
  return order;
}

}  // namespace

const char* policy_type_name(PolicyType t) {
  for (const auto& [type, name] : kTypeNames)
    if (type == t) return name;
  return "?";
}

bool parse_policy_type(const std::string& name, PolicyType* out) {
  for (const auto& [type, n] : kTypeNames)
    if (name == n) {
      *out = type;
      return true;
    }
  return false;
}

Result<std::unique_ptr<Policy>> build_policy(const PolicyConfig& c, PredicateSet& predicates) {
  switch (c.type) {
    case PolicyType::kAlwaysSample:
      return make_always_sample(c.name);
    case PolicyType::kStatusCode:
      return make_status_code(c.name, c.status_codes);
    case PolicyType::kLatency:
      return make_latency(c.name, c.threshold_ms, c.upper_threshold_ms);
    case PolicyType::kSpanCount:
      return make_span_count(c.name, c.min_spans, c.max_spans);
    case PolicyType::kProbabilistic:
      return make_probabilistic(c.name, c.sampling_percentage, c.hash_salt);
    case PolicyType::kRateLimiting:
      return make_rate_limiting(c.name, c.spans_per_second);
    case PolicyType::kRare:
      return make_rare(c.name, c.max_per_window, c.window_ns);
    case PolicyType::kNumericAttribute: {
      WEFT_ASSIGN_OR_RETURN(
          size_t bit,
          add_predicate(predicates,
                        SpanPredicate::numeric(
                            c.key, c.min_value.value_or(std::numeric_limits<int64_t>::min()),
                            c.max_value.value_or(std::numeric_limits<int64_t>::max())),
                        c.name));
      return make_predicate_policy(c.name, bit, c.invert_match);
    }
    case PolicyType::kStringAttribute: {
      WEFT_ASSIGN_OR_RETURN(
          size_t bit,
          add_predicate(predicates,
                        SpanPredicate::string(c.key, c.values, c.enabled_regex_matching),
                        c.name));
      return make_predicate_policy(c.name, bit, c.invert_match);
    }
    case PolicyType::kBooleanAttribute: {
      WEFT_ASSIGN_OR_RETURN(
          size_t bit,
          add_predicate(predicates, SpanPredicate::boolean(c.key, c.bool_value), c.name));
      return make_predicate_policy(c.name, bit, c.invert_match);
    }
    case PolicyType::kTraceState: {
      WEFT_ASSIGN_OR_RETURN(
          size_t bit,
          add_predicate(predicates, SpanPredicate::trace_state(c.key, c.values), c.name));
      return make_predicate_policy(c.name, bit, false);
    }
    case PolicyType::kAnd: {
      std::vector<std::unique_ptr<Policy>> subs;
      for (const PolicyConfig& sub : c.sub_policies) {
        WEFT_ASSIGN_OR_RETURN(auto p, build_policy(sub, predicates));
        subs.push_back(std::move(p));
      }
      return make_and(c.name, std::move(subs));
    }
    case PolicyType::kComposite: {
      // OTel's getRateAllocationMap: percent > 0 → that share of max_total; percent 0 → an
      // equal share; a sub-policy not listed gets 0 spans/s (it never samples).
      std::map<std::string, int64_t> allocation;
      const double total = static_cast<double>(c.max_total_spans_per_second);
      for (const RateAllocation& a : c.rate_allocation)
        allocation[a.policy] = static_cast<int64_t>(
            a.percent > 0 ? static_cast<double>(a.percent) / 100 * total
                          : total / static_cast<double>(c.sub_policies.size()));
      std::vector<CompositeSub> subs;
      for (size_t i : composite_order(c)) {
        const PolicyConfig& sub = c.sub_policies[i];
        WEFT_ASSIGN_OR_RETURN(auto p, build_policy(sub, predicates));
        auto it = allocation.find(sub.name);
        subs.push_back(CompositeSub{std::move(p), it == allocation.end() ? 0 : it->second});
      }
      return make_composite(c.name, c.max_total_spans_per_second, std::move(subs));
    }
  }
  return invalid_argument("tail_sampling: policy \"" + c.name + "\": unknown type");
}

Result<PolicySet> build_policies(const std::vector<PolicyConfig>& configs) {
  PolicySet set;
  for (const PolicyConfig& c : configs) {
    WEFT_ASSIGN_OR_RETURN(auto p, build_policy(c, set.predicates));
    set.policies.push_back(std::move(p));
  }
  return set;
}

CombinedDecision combine(const std::vector<Verdict>& verdicts) {
  int first_sampled = -1, first_invert_sampled = -1;
  bool invert_not_sampled = false, not_sampled = false;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    switch (verdicts[i]) {
      case Verdict::kSampled:
        if (first_sampled < 0) first_sampled = static_cast<int>(i);
        break;
      case Verdict::kInvertSampled:
        if (first_invert_sampled < 0) first_invert_sampled = static_cast<int>(i);
        break;
      case Verdict::kInvertNotSampled:
        invert_not_sampled = true;
        break;
      case Verdict::kNotSampled:
        not_sampled = true;
        break;
    }
  }
  if (invert_not_sampled) return {};
  if (first_sampled >= 0) return {true, first_sampled};
  if (first_invert_sampled >= 0 && !not_sampled) return {true, first_invert_sampled};
  return {};
}

}  // namespace weft::pipeline::sampling
