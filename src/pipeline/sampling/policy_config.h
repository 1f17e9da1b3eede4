#pragma once
// A tail-sampling policy as configured: plain data, validated by the config parser
// (sampling_config.h) and turned into evaluators by build_policies() (policy.h). Field names
// follow the OpenTelemetry Collector's tail_sampling processor (config.go); only the fields
// of `type` are meaningful.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::pipeline::sampling {

enum class PolicyType : uint8_t {
  kAlwaysSample,
  kStatusCode,
  kLatency,
  kNumericAttribute,
  kStringAttribute,
  kBooleanAttribute,
  kProbabilistic,
  kRateLimiting,
  kSpanCount,
  kTraceState,
  kAnd,
  kComposite,
  kRare,  // weft's own
};

// "always_sample", "status_code", ... (the config's `type:` values).
const char* policy_type_name(PolicyType t);
// False for an unknown name.
bool parse_policy_type(const std::string& name, PolicyType* out);

struct RateAllocation {
  std::string policy;  // a composite_sub_policy name
  int64_t percent = 0;  // 0: an equal share (max_total / number of sub-policies), as OTel
};

struct PolicyConfig {
  std::string name;
  PolicyType type = PolicyType::kAlwaysSample;

  // status_code: the codes that sample (any span with one of them).
  std::vector<model::SpanStatusCode> status_codes;
  // latency: trace duration (earliest start to latest end) in whole milliseconds.
  int64_t threshold_ms = 0;
  int64_t upper_threshold_ms = 0;  // 0: no upper bound
  // numeric_attribute / string_attribute / boolean_attribute / trace_state.
  std::string key;
  std::optional<int64_t> min_value, max_value;  // numeric: at least one is set
  std::vector<std::string> values;               // string_attribute / trace_state
  bool enabled_regex_matching = false;           // string_attribute
  bool bool_value = false;                       // boolean_attribute `value`
  bool invert_match = false;                     // numeric / string / boolean
  // probabilistic.
  double sampling_percentage = 0;
  std::string hash_salt;  // empty: OTel's "default-hash-seed"
  // rate_limiting.
  int64_t spans_per_second = 0;
  // span_count: min_spans <= count <= max_spans (max 0: no upper bound).
  int64_t min_spans = 0;
  int64_t max_spans = 0;
  // and (and_sub_policy) / composite (composite_sub_policy).
  std::vector<PolicyConfig> sub_policies;
  // composite.
  int64_t max_total_spans_per_second = 0;
  std::vector<std::string> policy_order;
  std::vector<RateAllocation> rate_allocation;
  // rare: the first max_per_window traces per (root service, root operation) per window.
  int64_t max_per_window = 0;
  uint64_t window_ns = 0;
};

}  // namespace weft::pipeline::sampling
