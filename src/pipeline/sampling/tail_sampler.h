#pragma once
// The tail-sampling decision engine as a pipeline processor ("tail_sampling").
//
// observe() reads a batch once and returns, per trace, a fixed-size summary of its spans
// (trace_delta.h) with the policies' attribute predicates already evaluated; commit() — once
// the batch is durable — merges those into a sharded table of pending traces. No span is
// kept here: the store holds them (memory model: README.md). A refused batch is never
// committed, so it leaves no pending trace.
//
// decide(now) returns the traces whose decision is due — decision_wait after the trace's
// latest span arrived, or root_grace after its root span arrived, whichever is first — and
// decides them with the configured policies (policy.h for the combination rules). Decided
// traces enter a bounded LRU: spans arriving later follow the decision (decided()) and open
// no new pending trace. Past max_traces pending (split evenly over the shards), committing a
// new trace decides its shard's oldest trace early; that decision is returned by the next
// decide().
//
// Thread-safety: observe(), commit(), decide(), decided() and stats() may run concurrently.
// Lock order: shard, then the policy lock (stateful policies), then the early-decision queue.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "pipeline/processor.h"
#include "sampling/interner.h"
#include "sampling/policy.h"
#include "sampling/sampling_config.h"
#include "sampling/trace_delta.h"

namespace weft::pipeline::sampling {

struct Decision {
  model::TraceId trace_id;
  bool keep = false;
  std::string policy;  // the first policy that sampled it; "" when dropped
};

struct PolicyStats {
  std::string name;  // top-level policy
  uint64_t sampled = 0;
  uint64_t not_sampled = 0;
};

struct ServiceStats {
  std::string service;  // root service ("other" past the interner's cap)
  uint64_t kept = 0;
  uint64_t dropped = 0;
};

struct TailSamplerStats {
  std::vector<PolicyStats> policies;  // config order
  std::vector<ServiceStats> services;  // sorted by name
  uint64_t pending_traces = 0;
  uint64_t pending_spans = 0;
  uint64_t kept = 0;
  uint64_t dropped = 0;
  uint64_t decided_early = 0;  // decided before due because max_traces was reached
  uint64_t late_spans = 0;     // spans committed after their trace was decided
};

struct TailSamplerOptions {
  size_t shards = 16;
  size_t max_services = 10'000;    // interner caps (interner.h)
  size_t max_operations = 100'000;
};

class TailSampler final : public Processor {
 public:
  // INVALID_ARGUMENT if the policies cannot be built (too many predicates). `clock` stamps
  // span arrival at commit time and must outlive the sampler.
  static Result<std::unique_ptr<TailSampler>> create(TailSamplingConfig config,
                                                     const Clock& clock = Clock::system(),
                                                     TailSamplerOptions options = {});
  ~TailSampler() override;

  std::string_view name() const override { return "tail_sampling"; }
  std::unique_ptr<Observation> observe(const model::SpanBatch& batch) override;

  // Merges deltas as commit() of an observation does (exposed for benchmarks and tests).
  void merge(const std::vector<TraceDelta>& deltas);

  // Decides and removes every pending trace due at `now_unix_nano` (plus any decided early
  // since the last call). Order: early decisions, then shard by shard.
  std::vector<Decision> decide(uint64_t now_unix_nano);
  // The recent decision for a trace (true: keep); nullopt if pending, unknown or forgotten.
  std::optional<bool> decided(const model::TraceId& trace_id);

  TailSamplerStats stats() const;
  const TailSamplingConfig& config() const { return config_; }

 private:
  struct Shard;
  TailSampler(TailSamplingConfig config, PolicySet policies, const Clock& clock,
              TailSamplerOptions options);
  Shard& shard_of(const model::TraceId& id);
  uint64_t due_at(const TraceSummary& s) const;
  // Runs the policies on one trace; takes the policy lock. Caller holds the trace's shard.
  Decision evaluate(const model::TraceId& id, const TraceSummary& s, uint64_t now);
  void evict_oldest(Shard& shard, uint64_t now);

  const TailSamplingConfig config_;
  const Clock& clock_;
  const TailSamplerOptions options_;
  size_t per_shard_cap_;
  std::vector<std::unique_ptr<Shard>> shards_;
  NameInterner services_;
  NameInterner operations_;

  mutable std::mutex policy_mu_;  // guards policies_ state and the counters below
  PolicySet policies_;
  std::vector<Verdict> verdicts_;  // scratch
  std::vector<PolicyStats> policy_stats_;
  std::unordered_map<uint32_t, std::pair<uint64_t, uint64_t>> service_counts_;  // kept, dropped
  uint64_t kept_ = 0, dropped_ = 0, decided_early_ = 0;

  std::mutex early_mu_;
  std::vector<Decision> early_;

  std::atomic<uint64_t> pending_traces_{0};
  std::atomic<uint64_t> pending_spans_{0};
  std::atomic<uint64_t> late_spans_{0};
};

}  // namespace weft::pipeline::sampling
