#pragma once
// The `tail_sampling:` section of the server's YAML config. Every mistake is refused with
// the config line at fault and the key's path (indices 0-based), e.g.
//   config line 9: tail_sampling.policies[1].latency.threshold_ms: "fast" is not a whole number from 0 to ...
// Schema (policy fields as the OpenTelemetry Collector's tail_sampling processor):
//   tail_sampling:
//     decision_wait: 30s         # optional: after the trace's last span arrived
//     root_grace: 5s             # optional: after the root span arrived (earlier decision)
//     max_traces: 50000          # optional: pending traces; past it the oldest is decided
//     decision_cache_size: 100000  # optional: recent decisions late spans follow
//     dry_run: false             # optional: decide and count, but keep every trace
//     policies:                  # required, at least one
//       - name: errors           # required, unique among its siblings
//         type: status_code      # required: one of the types below
//         status_code: {status_codes: [ERROR]}      # the block named like the type
// Types and their block (required fields without a default):
//   always_sample      (no block)
//   status_code        {status_codes: [ERROR, OK, UNSET]}   (`codes:` accepted too)
//   latency            {threshold_ms, upper_threshold_ms: 0}
//   numeric_attribute  {key, min_value, max_value, invert_match: false}  (min or max)
//   string_attribute   {key, values, enabled_regex_matching: false, cache_max_size, invert_match: false}
//   boolean_attribute  {key, value, invert_match: false}
//   probabilistic      {sampling_percentage, hash_salt: ""}
//   rate_limiting      {spans_per_second}
//   span_count         {min_spans: 0, max_spans: 0}  (min or max)
//   trace_state        {key, values}
//   and                {and_sub_policy: [policy, ...]}   (sub-policies: no and/composite)
//   composite          {max_total_spans_per_second, policy_order: [name, ...],
//                       composite_sub_policy: [policy, ...] (no composite),
//                       rate_allocation: [{policy, percent}, ...]}
//   rare               {max_per_window, window}   (weft: first N traces per root service ×
//                                                  root operation per window)
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sampling/policy_config.h"

namespace YAML {
class Node;
}

namespace weft::pipeline::sampling {

struct TailSamplingConfig {
  uint64_t decision_wait_ns = 30'000'000'000ULL;
  uint64_t root_grace_ns = 5'000'000'000ULL;
  uint64_t max_traces = 50'000;
  uint64_t decision_cache_size = 100'000;
  // Decide and count what the policies would keep, but store every trace (as Honeycomb
  // Refinery's dry run): for trying policies out on real traffic.
  bool dry_run = false;
  std::vector<PolicyConfig> policies;
};

// Parses the value of the `tail_sampling:` key (a map). INVALID_ARGUMENT naming the line and
// key on any unknown key or type, bad value or missing field. Never throws.
Result<TailSamplingConfig> parse_tail_sampling_config(const YAML::Node& node);

// Parses a whole config file's text and reads its top-level `tail_sampling:` section (other
// keys are not looked at). No such section: NOT_FOUND (tail sampling is off). Never throws.
Result<TailSamplingConfig> parse_tail_sampling_config_text(std::string_view config_text);

// "30s", "500ms", "1m30s", "1.5s" (units ns, us, ms, s, m, h); nullopt otherwise, a bare
// number included.
std::optional<uint64_t> parse_duration_ns(std::string_view text);

}  // namespace weft::pipeline::sampling
