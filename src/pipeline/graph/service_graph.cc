#include "graph/service_graph.h"

#include <chrono>
#include <utility>

namespace weft::pipeline::graph {

namespace {

class ServiceGraphObservation final : public Observation {
 public:
  ServiceGraphObservation(ServiceGraph& graph, HalfBatch halves)
      : graph_(graph), halves_(std::move(halves)) {}
  void commit() override { graph_.commit(std::move(halves_)); }

 private:
  ServiceGraph& graph_;
  HalfBatch halves_;
};

}  // namespace

uint64_t system_unix_nano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

ServiceGraph::ServiceGraph(ServiceGraphOptions options, EdgeSink sink, UnixNanoClock now_unix_nano)
    : options_(options),
      sink_(std::move(sink)),
      now_(std::move(now_unix_nano)),
      table_(options.shards, options.max_pending) {}

std::unique_ptr<Observation> ServiceGraph::observe(const model::SpanBatch& batch) {
  HalfBatch halves = collect_halves(
      batch,
      {.shards = table_.shard_count(),
       .user_client_for_roots = options_.user_client_for_roots,
       .shard_capacity = table_.shard_capacity()});
  if (halves.halves.empty() && halves.user_edges.empty()) return nullptr;
  return std::make_unique<ServiceGraphObservation>(*this, std::move(halves));
}

void ServiceGraph::commit(HalfBatch&& halves) {
  const uint64_t now = now_();
  user_edges_.fetch_add(halves.user_edges.size(), std::memory_order_relaxed);
  std::vector<EdgeSample> edges = std::move(halves.user_edges);
  // Each half makes at most one edge as it is offered (expiry may add more).
  edges.reserve(edges.size() + halves.halves.size());
  PendingTally tally;
  table_.offer(halves, now, edges, tally);
  // Opportunistic expiry: the first commit past next_expire_ runs it; the others go on.
  uint64_t due = next_expire_.load(std::memory_order_relaxed);
  if (now >= due && next_expire_.compare_exchange_strong(due, now + options_.expire_interval_nanos,
                                                         std::memory_order_relaxed)) {
    const uint64_t w = options_.pairing_window_nanos;
    if (now >= w) table_.expire(now - w, edges, tally);
  }
  account(tally);
  emit(std::move(edges));
}

void ServiceGraph::expire(uint64_t now_unix_nano) {
  const uint64_t w = options_.pairing_window_nanos;
  if (now_unix_nano < w) return;
  std::vector<EdgeSample> edges;
  PendingTally tally;
  table_.expire(now_unix_nano - w, edges, tally);
  account(tally);
  emit(std::move(edges));
}

void ServiceGraph::account(const PendingTally& t) {
  constexpr auto r = std::memory_order_relaxed;
  if (t.paired) paired_.fetch_add(t.paired, r);
  if (t.virtual_edges) virtual_edges_.fetch_add(t.virtual_edges, r);
  if (t.unpaired) expired_unpaired_.fetch_add(t.unpaired, r);
  if (t.evicted) evicted_.fetch_add(t.evicted, r);
  if (t.duplicates) duplicates_.fetch_add(t.duplicates, r);
  if (t.pending_delta) pending_.fetch_add(t.pending_delta, r);
}

void ServiceGraph::emit(std::vector<EdgeSample>&& edges) {
  if (!edges.empty() && sink_) sink_(std::move(edges));
}

ServiceGraphStats ServiceGraph::stats() const {
  constexpr auto r = std::memory_order_relaxed;
  ServiceGraphStats s;
  s.paired = paired_.load(r);
  s.virtual_edges = virtual_edges_.load(r);
  s.user_edges = user_edges_.load(r);
  s.expired_unpaired = expired_unpaired_.load(r);
  s.evicted = evicted_.load(r);
  s.duplicates = duplicates_.load(r);
  const int64_t p = pending_.load(r);
  s.pending = p > 0 ? static_cast<uint64_t>(p) : 0;
  return s;
}

}  // namespace weft::pipeline::graph
