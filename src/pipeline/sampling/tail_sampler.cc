#include "sampling/tail_sampler.h"

#include <algorithm>
#include <deque>
#include <limits>

#include "sampling/decision_cache.h"

namespace weft::pipeline::sampling {

using namespace weft::model;

// One slice of the pending-trace table, by trace ID hash. `fifo` holds the arrival order of
// its traces for early eviction; entries of traces decided since are skipped lazily (an
// entry is live when the pending trace's fifo_seq equals it).
struct TailSampler::Shard {
  explicit Shard(size_t cache_capacity) : decided(cache_capacity) {}
  std::mutex mu;
  std::unordered_map<TraceId, TraceSummary, FixedIdHash> pending;
  std::deque<std::pair<TraceId, uint32_t>> fifo;
  uint32_t next_seq = 0;
  DecisionCache decided;
  struct StoreRecord {
    bool keep;
    uint32_t generation;
  };
  std::unordered_map<TraceId, StoreRecord, FixedIdHash> for_store;

  bool live(const std::pair<TraceId, uint32_t>& e) const {
    auto it = pending.find(e.first);
    return it != pending.end() && it->second.fifo_seq == e.second;
  }
  // Drops dead entries at the front, and rebuilds the queue when dead entries elsewhere
  // outnumber the live ones (a long-lived trace at the front would otherwise pin them).
  void trim_fifo() {
    while (!fifo.empty() && !live(fifo.front())) fifo.pop_front();
    if (fifo.size() > 2 * pending.size() + 64) {
      std::deque<std::pair<TraceId, uint32_t>> kept;
      for (const auto& e : fifo)
        if (live(e)) kept.push_back(e);
      fifo.swap(kept);
    }
  }
};

namespace {

class TailObservation final : public Observation {
 public:
  TailObservation(TailSampler& sampler, std::vector<TraceDelta> deltas)
      : sampler_(sampler), deltas_(std::move(deltas)) {}
  void commit() override { sampler_.merge(deltas_); }

 private:
  TailSampler& sampler_;
  std::vector<TraceDelta> deltas_;
};

}  // namespace

Result<std::unique_ptr<TailSampler>> TailSampler::create(TailSamplingConfig config,
                                                         const Clock& clock,
                                                         TailSamplerOptions options) {
  WEFT_ASSIGN_OR_RETURN(PolicySet policies, build_policies(config.policies));
  return std::unique_ptr<TailSampler>(
      new TailSampler(std::move(config), std::move(policies), clock, options));
}

TailSampler::TailSampler(TailSamplingConfig config, PolicySet policies, const Clock& clock,
                         TailSamplerOptions options)
    : config_(std::move(config)),
      clock_(clock),
      options_(options),
      services_(options.max_services),
      operations_(options.max_operations),
      policies_(std::move(policies)) {
  const size_t n = std::max<size_t>(1, options_.shards);
  per_shard_cap_ = std::max<uint64_t>(1, (config_.max_traces + n - 1) / n);
  const size_t cache_cap = (config_.decision_cache_size + n - 1) / n;
  for (size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(cache_cap));
  for (const auto& p : policies_.policies) policy_stats_.push_back(PolicyStats{p->name(), 0, 0});
}

TailSampler::~TailSampler() = default;

TailSampler::Shard& TailSampler::shard_of(const TraceId& id) {
  // The low 64 bits feed the hash tables; the high ones pick the shard.
  return *shards_[id.high64() % shards_.size()];
}

uint64_t TailSampler::due_at(const TraceSummary& s) const {
  uint64_t due = s.last_arrival + config_.decision_wait_ns;
  if (s.root_arrival != 0) due = std::min(due, s.root_arrival + config_.root_grace_ns);
  return due;
}

std::unique_ptr<Observation> TailSampler::observe(const SpanBatch& batch) {
  if (batch.spans.empty()) return nullptr;
  return std::make_unique<TailObservation>(
      *this, extract_deltas(batch, policies_.predicates, services_, operations_));
}

void TailSampler::merge(const std::vector<TraceDelta>& deltas) {
  const uint64_t now = clock_.now_unix_nanos();
  for (const TraceDelta& d : deltas) {
    Shard& shard = shard_of(d.trace_id);
    std::lock_guard lock(shard.mu);
    std::optional<bool> known = shard.decided.get(d.trace_id);
    if (for_store_.load(std::memory_order_relaxed)) {
      // A late span lies in the head taking spans now: its trace's record lives until that
      // head is written.
      const uint32_t gen = head_generation_.load();
      auto rec = shard.for_store.find(d.trace_id);
      if (rec != shard.for_store.end()) {
        rec->second.generation = gen;
        known = rec->second.keep;
      } else if (known) {
        shard.for_store.emplace(d.trace_id, Shard::StoreRecord{*known, gen});
        ++store_records_;
      }
    }
    if (known) {
      late_spans_ += d.summary.span_count;
      continue;
    }
    auto it = shard.pending.find(d.trace_id);
    if (it == shard.pending.end()) {
      if (shard.pending.size() >= per_shard_cap_) evict_oldest(shard, now);
      it = shard.pending.emplace(d.trace_id, TraceSummary{}).first;
      it->second.fifo_seq = shard.next_seq++;
      shard.fifo.emplace_back(d.trace_id, it->second.fifo_seq);
      ++pending_traces_;
    }
    TraceSummary& s = it->second;
    s.merge(d.summary);
    s.last_arrival = now;
    if (d.summary.root_seen && s.root_arrival == 0) s.root_arrival = now;
    pending_spans_ += d.summary.span_count;
  }
}

void TailSampler::evict_oldest(Shard& shard, uint64_t now) {
  shard.trim_fifo();
  if (shard.fifo.empty()) return;
  const TraceId id = shard.fifo.front().first;
  shard.fifo.pop_front();
  auto it = shard.pending.find(id);
  Decision d = evaluate(id, it->second, now);
  pending_spans_ -= it->second.span_count;
  --pending_traces_;
  shard.pending.erase(it);
  remember(shard, id, d.keep);
  {
    std::lock_guard lock(policy_mu_);
    ++decided_early_;
  }
  std::lock_guard lock(early_mu_);
  early_.push_back(std::move(d));
}

Decision TailSampler::evaluate(const TraceId& id, const TraceSummary& s, uint64_t now) {
  std::lock_guard lock(policy_mu_);
  const TraceFacts facts{id, s, now};
  verdicts_.clear();
  for (size_t i = 0; i < policies_.policies.size(); ++i) {
    const Verdict v = policies_.policies[i]->evaluate(facts);
    verdicts_.push_back(v);
    if (is_sampled(v))
      ++policy_stats_[i].sampled;
    else
      ++policy_stats_[i].not_sampled;
  }
  const CombinedDecision c = combine(verdicts_);
  auto& per_service = service_counts_[s.service_id];
  if (c.keep) {
    ++kept_;
    ++per_service.first;
  } else {
    ++dropped_;
    ++per_service.second;
  }
  return Decision{id, c.keep, c.keep ? policies_.policies[c.policy]->name() : std::string()};
}

std::vector<Decision> TailSampler::decide(uint64_t now_unix_nano) {
  std::vector<Decision> out;
  {
    std::lock_guard lock(early_mu_);
    out.swap(early_);
  }
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    for (auto it = shard.pending.begin(); it != shard.pending.end();) {
      if (due_at(it->second) > now_unix_nano) {
        ++it;
        continue;
      }
      Decision d = evaluate(it->first, it->second, now_unix_nano);
      remember(shard, it->first, d.keep);
      pending_spans_ -= it->second.span_count;
      --pending_traces_;
      it = shard.pending.erase(it);
      out.push_back(std::move(d));
    }
    shard.trim_fifo();
  }
  return out;
}

std::optional<bool> TailSampler::decided(const TraceId& trace_id) {
  Shard& shard = shard_of(trace_id);
  std::lock_guard lock(shard.mu);
  return shard.decided.get(trace_id);
}

TailSamplerStats TailSampler::stats() const {
  TailSamplerStats st;
  {
    std::lock_guard lock(policy_mu_);
    st.policies = policy_stats_;
    st.kept = kept_;
    st.dropped = dropped_;
    st.decided_early = decided_early_;
    for (const auto& [service, counts] : service_counts_)
      st.services.push_back(ServiceStats{services_.name(service), counts.first, counts.second});
  }
  std::sort(st.services.begin(), st.services.end(),
            [](const ServiceStats& a, const ServiceStats& b) { return a.service < b.service; });
  st.pending_traces = pending_traces_.load();
  st.pending_spans = pending_spans_.load();
  st.late_spans = late_spans_.load();
  st.decided_for_cut = decided_for_cut_.load();
  st.kept_unknown = kept_unknown_.load();
  st.store_records = store_records_.load();
  return st;
}

}  // namespace weft::pipeline::sampling

namespace weft::pipeline::sampling {

void TailSampler::remember(Shard& shard, const TraceId& id, bool keep) {
  shard.decided.put(id, keep);
  if (!for_store_.load(std::memory_order_relaxed)) return;
  auto [rec, added] =
      shard.for_store.insert_or_assign(id, Shard::StoreRecord{keep, head_generation_.load()});
  (void)rec;
  if (added) ++store_records_;
}

void TailSampler::keep_decisions_for_store() { for_store_ = true; }

void TailSampler::replay(const SpanBatch& batch) {
  if (batch.spans.empty()) return;
  merge(extract_deltas(batch, policies_.predicates, services_, operations_));
}

TailSampler::StoreFate TailSampler::store_fate(const TraceId& trace_id, bool force) {
  Shard& shard = shard_of(trace_id);
  std::lock_guard lock(shard.mu);
  if (auto rec = shard.for_store.find(trace_id); rec != shard.for_store.end())
    return rec->second.keep ? StoreFate::kKeep : StoreFate::kDrop;
  if (auto it = shard.pending.find(trace_id); it != shard.pending.end()) {
    if (!force) return StoreFate::kWait;
    const Decision d = evaluate(trace_id, it->second, clock_.now_unix_nanos());
    pending_spans_ -= it->second.span_count;
    --pending_traces_;
    shard.pending.erase(it);
    remember(shard, trace_id, d.keep);
    ++decided_for_cut_;
    return d.keep ? StoreFate::kKeep : StoreFate::kDrop;
  }
  if (std::optional<bool> known = shard.decided.get(trace_id)) {
    remember(shard, trace_id, *known);
    return *known ? StoreFate::kKeep : StoreFate::kDrop;
  }
  if (!force) return StoreFate::kWait;
  ++kept_unknown_;
  return StoreFate::kKeep;
}

void TailSampler::store_head_frozen() { frozen_generation_ = head_generation_.fetch_add(1); }

void TailSampler::store_head_written() {
  const uint32_t written = frozen_generation_.load();
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    // Generations only grow (2^32 cuts would take centuries), so "not newer" is <=.
    for (auto it = shard.for_store.begin(); it != shard.for_store.end();) {
      if (it->second.generation <= written) {
        it = shard.for_store.erase(it);
        --store_records_;
      } else {
        ++it;
      }
    }
  }
}

}  // namespace weft::pipeline::sampling
