#pragma once
// Policies made of sub-policies: and, composite (OTel's and.go, composite.go).
#include <memory>
#include <vector>

#include "sampling/policy.h"

namespace weft::pipeline::sampling {

// Sampled when every sub-policy samples (an inverted sub-policy's kInvertSampled counts as
// sampled); stops at the first that does not, as OTel, so later stateful sub-policies spend
// nothing for that trace.
std::unique_ptr<Policy> make_and(std::string name, std::vector<std::unique_ptr<Policy>> subs);

struct CompositeSub {
  std::unique_ptr<Policy> policy;
  int64_t allocated_sps = 0;  // this sub-policy's share of max_total_spans_per_second
};

// Sub-policies in evaluation order; the first that samples decides: sampled if its spans this
// second plus the trace's stay within both its allocation and max_total (`<=`), else not
// sampled (later sub-policies are not asked). None samples: not sampled. Counters restart
// each second (now / 1 s).
std::unique_ptr<Policy> make_composite(std::string name, int64_t max_total_sps,
                                       std::vector<CompositeSub> subs);

}  // namespace weft::pipeline::sampling
