#pragma once
// Samplers decide, when a span starts, whether it is recorded and exported. The decision is
// made once per trace at its root (or taken from the parent, for parent-based sampling) and
// travels in the sampled flag. Implementations must be thread-safe and fast: ShouldSample
// runs on the application's threads for every span start.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weft/clock.h"
#include "weft/span_context.h"
#include "weft/span_record.h"

namespace weft {

struct SamplingParams {
  const SpanContext& parent;  // invalid for a root span
  const TraceId& trace_id;    // the new span's trace id (the parent's, or a new one)
  std::string_view name;
  SpanKind kind;
};

enum class SamplingDecision : uint8_t { kDrop, kRecordAndSample };

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual SamplingDecision ShouldSample(const SamplingParams& params) = 0;
  // For logs and the sampler.* attributes, e.g. "TraceIdRatioBased{0.25}".
  virtual std::string Description() const = 0;
  // True if, whenever the parent is valid, the decision is exactly the parent's (sampled or
  // debug → sample, else drop), as ParentBasedSampler's is. The tracer then decides child
  // spans inline, without calling ShouldSample.
  virtual bool FollowsParent() const { return false; }
};

// --- built-in samplers (sdk/src/sampling) ---

std::shared_ptr<Sampler> AlwaysOnSampler();
std::shared_ptr<Sampler> AlwaysOffSampler();
// The decision is a function of the trace id, so every service with the same ratio makes
// the same one. The rule is OpenTelemetry JS's TraceIdRatioBasedSampler (the SDK the
// interoperability tests run against): x = XOR of the trace id's four 32-bit big-endian
// words (hex characters 0-7, 8-15, 16-23, 24-31); sampled iff the id is valid and
// x < bound, where bound = floor(ratio * 0xffffffff) for ratio < 1 and 2^32 for ratio 1
// (every valid id), ratio clamped to [0, 1] (NaN = 0). Checked against
// @opentelemetry/sdk-trace 2.12.1 (OTel JS 1.x used floor(ratio * 0xffffffff) at ratio 1 as
// well, dropping x == 0xffffffff). OTel Go and Java compare the low 8 bytes instead, so
// their decisions differ from JS's and ours.
std::shared_ptr<Sampler> TraceIdRatioSampler(double ratio);
// Follows the parent's sampled flag when there is a parent; `root` decides for roots.
// Debug-flagged parents are always sampled.
std::shared_ptr<Sampler> ParentBasedSampler(std::shared_ptr<Sampler> root);
// At most `traces_per_second` new traces per second (token bucket, burst = max(1, rate),
// starting full). Decides for roots only, ignoring the parent: wrap it in ParentBasedSampler.
std::shared_ptr<Sampler> RateLimitingSampler(double traces_per_second);
// At most `n` traces per `window` (SkyWalking's "3 per 3 seconds"); the count resets at the
// start of each window (windows are counted from the sampler's creation). Roots only, like
// RateLimitingSampler.
std::shared_ptr<Sampler> PerWindowSampler(uint32_t n, std::chrono::milliseconds window);

// Per-operation rules: the first rule whose span name matches (exact, or a prefix when the
// pattern ends in '*') decides; otherwise `fallback` (null: AlwaysOnSampler()).
struct OperationRule {
  std::string name_pattern;
  std::shared_ptr<Sampler> sampler;
};
std::shared_ptr<Sampler> PerOperationSampler(std::vector<OperationRule> rules,
                                             std::shared_ptr<Sampler> fallback);

// Polls weft serve's (or a Jaeger collector's) GET /api/sampling?service= and swaps in the
// strategy it returns (probabilistic, rate limiting, per-operation) without restart.
// Until the first successful poll, `initial` decides.
struct RemoteSamplerOptions {
  std::string endpoint = "http://127.0.0.1:16686";  // base URL of the sampling endpoint
  std::string service_name;
  std::chrono::milliseconds poll_interval{60'000};
  std::shared_ptr<Sampler> initial;  // default: TraceIdRatioSampler(0.001)
  // What the poll interval and the request timeout are timed with; null = the system's
  // steady clock (tests inject a fake one).
  std::shared_ptr<const SteadyClock> clock;
};
// The returned sampler owns a polling thread, stopped when the last reference goes (within
// the request timeout, min(max(poll_interval, 200 ms), 2 s), if a poll is in flight). The
// first poll is made at once. Like the rate samplers it decides for roots only and ignores
// the parent: wrap it, ParentBasedSampler(RemoteSampler(...)). Failed polls (transport,
// non-200, unusable JSON) keep the strategy in force and are counted.
std::shared_ptr<Sampler> RemoteSampler(RemoteSamplerOptions options);

}  // namespace weft
