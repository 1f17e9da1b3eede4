#pragma once
// The stateful policies that spend a budget: rate_limiting (OTel) and rare (weft). Both
// count only the traces they sample, and use the decision time as their clock.
#include <memory>

#include "sampling/policy.h"

namespace weft::pipeline::sampling {

// Sampled while the spans sampled in the current second (now / 1 s) plus this trace's stay
// strictly below spans_per_second (OTel's `<`); the count restarts each second.
std::unique_ptr<Policy> make_rate_limiting(std::string name, int64_t spans_per_second);

// Sampled for the first max_per_window traces of each (root service, root operation) in each
// window (fixed windows: now / window). A trace whose root never came counts under the
// service and operation of its first span. Keys are interned ids, so the key space is
// bounded by the interner's caps (interner.h).
std::unique_ptr<Policy> make_rare(std::string name, int64_t max_per_window, uint64_t window_ns);

}  // namespace weft::pipeline::sampling
