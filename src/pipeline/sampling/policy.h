#pragma once
// Policy evaluators and how their verdicts combine, as in the OpenTelemetry Collector's
// tail_sampling processor (internal/sampling and processor.go's makeDecision):
//   * every top-level policy is evaluated, in config order (stateful ones — rate_limiting,
//     composite, rare — spend their budget even when another policy already sampled);
//   * an inverted policy (invert_match: true) answers kInvertNotSampled when its predicate
//     matched and kInvertSampled otherwise;
//   * final: any kInvertNotSampled → drop; else any kSampled → keep; else any
//     kInvertSampled and no kNotSampled → keep; else drop.
//   * inside `and` / `composite` an inverted verdict counts as plain sampled / not sampled.
// The policy credited with a keep is the first kSampled one (the first kInvertSampled when
// the keep comes from the inverted rule).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/span.h"
#include "sampling/policy_config.h"
#include "sampling/predicate.h"
#include "sampling/trace_summary.h"

namespace weft::pipeline::sampling {

enum class Verdict : uint8_t { kNotSampled, kSampled, kInvertSampled, kInvertNotSampled };

inline bool is_sampled(Verdict v) { return v == Verdict::kSampled || v == Verdict::kInvertSampled; }

// What a policy sees of a trace at decision time.
struct TraceFacts {
  const model::TraceId& trace_id;
  const TraceSummary& summary;
  uint64_t now_unix_nano;  // decision time: the clock of rate budgets and rare windows
};

class Policy {
 public:
  explicit Policy(std::string name) : name_(std::move(name)) {}
  virtual ~Policy() = default;
  const std::string& name() const { return name_; }
  // Not thread-safe: stateful policies keep budgets, so the sampler evaluates under a lock.
  virtual Verdict evaluate(const TraceFacts& trace) = 0;

 private:
  std::string name_;
};

// The evaluators of a config and the span predicates they read.
struct PolicySet {
  PredicateSet predicates;
  std::vector<std::unique_ptr<Policy>> policies;  // top level, config order
};

// Builds the evaluators. INVALID_ARGUMENT if the policies need more than kMaxPredicates
// attribute / trace_state predicates; the config parser validated everything else.
Result<PolicySet> build_policies(const std::vector<PolicyConfig>& configs);

// Builds one evaluator, registering its predicates in `predicates`. Used for sub-policies.
Result<std::unique_ptr<Policy>> build_policy(const PolicyConfig& config,
                                             PredicateSet& predicates);

struct CombinedDecision {
  bool keep = false;
  int policy = -1;  // index of the policy credited with a keep; -1 when dropped
};

// The final decision over the top-level verdicts (order as the policies).
CombinedDecision combine(const std::vector<Verdict>& verdicts);

}  // namespace weft::pipeline::sampling
