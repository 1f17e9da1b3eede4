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
// The store's side (store/trace_gate.h, adapted by sampling/store_gate.h): with
// keep_decisions_for_store(), every decision is also kept in a per-shard record until the
// store has written every head holding spans of its trace — heads are counted by
// generation: a record carries the generation of the head that was taking spans when it was
// decided or when its latest late span was committed, and store_head_written() drops the
// records of the head just written and older. So the LRU's capacity never makes a cut forget
// a decision; the records cost one map entry per trace decided in the last head or two.
//
// Thread-safety: every method may run concurrently with the others.
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
  // The store's side (zero unless keep_decisions_for_store()):
  uint64_t decided_for_cut = 0;  // pending traces decided early because a cut could not wait
  uint64_t kept_unknown = 0;     // traces a cut found with no decision and no pending state
  uint64_t store_records = 0;    // decisions kept for the store now
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

  // --- The store's side: store/trace_gate.h says when each is called.
  // Keeps every decision for the store from now on (call before the first span).
  void keep_decisions_for_store();
  // Replayed WAL spans: merged as if just committed, so their traces are decided again.
  void replay(const model::SpanBatch& batch);
  // The fate of one trace of a frozen head (0 keep, 1 drop, 2 wait, as TraceGate::Fate).
  // A pending trace waits, or is decided now with `force`; a trace neither pending nor
  // decided (its spans were applied and not yet committed, or it predates this sampler)
  // waits, or is kept with `force`: keeping a trace the policies never saw loses nothing.
  enum class StoreFate : uint8_t { kKeep, kDrop, kWait };
  StoreFate store_fate(const model::TraceId& trace_id, bool force);
  void store_head_frozen();
  void store_head_written();
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
  // Records a decision in the shard's LRU and, for the store, in its records.
  void remember(Shard& shard, const model::TraceId& id, bool keep);

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

  std::atomic<bool> for_store_{false};
  std::atomic<uint32_t> head_generation_{0};  // of the head taking spans now
  std::atomic<uint32_t> frozen_generation_{0};
  std::atomic<uint64_t> decided_for_cut_{0};
  std::atomic<uint64_t> kept_unknown_{0};
  std::atomic<uint64_t> store_records_{0};
};

}  // namespace weft::pipeline::sampling
