#pragma once
// The stateless policies: each reads only the trace's summary and ID.
#include <memory>

#include "sampling/policy.h"

namespace weft::pipeline::sampling {

std::unique_ptr<Policy> make_always_sample(std::string name);
// Sampled when some span's status is one of `codes`.
std::unique_ptr<Policy> make_status_code(std::string name,
                                         const std::vector<model::SpanStatusCode>& codes);
// Duration in whole ms (truncated, as Go's Duration.Milliseconds): with no upper bound,
// sampled when duration >= threshold; else when threshold < duration <= upper (OTel).
// OTel tests a running prefix of the spans; weft tests the whole trace's duration.
std::unique_ptr<Policy> make_latency(std::string name, int64_t threshold_ms,
                                     int64_t upper_threshold_ms);
// Sampled when min_spans <= span count and (max_spans == 0 or count <= max_spans).
std::unique_ptr<Policy> make_span_count(std::string name, int64_t min_spans, int64_t max_spans);
// FNV-1a 64 of salt then the 16 trace ID bytes <= percentage/100 * 2^64-1: the same traces
// the OTel collector picks for the same salt (default "default-hash-seed").
std::unique_ptr<Policy> make_probabilistic(std::string name, double percentage,
                                           const std::string& salt);
// Reads predicate bit `bit` (an attribute or trace_state test). Not inverted: sampled when
// set. Inverted: kInvertNotSampled when set, kInvertSampled when not.
std::unique_ptr<Policy> make_predicate_policy(std::string name, size_t bit, bool invert);

// The probabilistic hash (exposed for tests).
uint64_t probabilistic_hash(const std::string& salt, const model::TraceId& id);

}  // namespace weft::pipeline::sampling
