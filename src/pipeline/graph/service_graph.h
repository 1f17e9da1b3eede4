#pragma once
// The live service graph (issue 12, item 3): a pipeline processor that matches the two
// halves of each call at ingest — a CLIENT span and the SERVER span it caused, a PRODUCER
// and its CONSUMER — and emits one EdgeSample per call; a client span whose peer never
// sends a span becomes an edge to a virtual node named by its attributes (peer_node.h).
//
// How it works (the same scheme as Tempo's servicegraphs processor and the OTel
// Collector's servicegraph connector):
//   observe(batch)  one pass; keeps a compact record of each half (half_span.h). Changes
//                   nothing shared: a batch the store refuses is forgotten, so a retried
//                   batch is counted once.
//   commit()        offers the halves to the sharded pending table (pending_table.h); a
//                   half whose other half waits there makes an edge. Then, at most once per
//                   expire_interval, expires what waited longer than the pairing window.
//                   Edges go to the sink after the shard locks are released, one call per
//                   commit.
//   expire(now)     client halves older than the window with a peer node -> virtual edges;
//                   the rest (no peer attributes; SERVER / CONSUMER halves whose client
//                   never came) -> dropped, counted in expired_unpaired.
//
// Decisions:
//   * A pair whose halves belong to one service is an edge (a self-loop), as in Tempo: the
//     spans say a call crossed a process boundary; a renderer may hide loops.
//   * One client half pairs with one server half. A second SERVER (or CONSUMER) span under
//     one parent is counted as a duplicate and dropped, so messaging fan-out (one PRODUCER,
//     many CONSUMERs) counts the first consumer only.
//   * A CONSUMER span pairs with the PRODUCER span its first span link points to (link
//     trace ID, link span ID) when it has no parent or its parent is not a PRODUCER span
//     (OTel messaging: the "process" span links to the message's creation context; the
//     reference workload's consumers are roots with one such link). The exact rule is in
//     half_span.h. A batch receive linked to several messages pairs with the first.
//   * Edge latency and end time are the client span's; error if either side is ERROR.
//   * With user_client_for_roots, each root SERVER span is an edge "user" -> its service at
//     commit (no pairing needed); EdgeSample has no flag for a virtual client, so the name
//     "user" is the only mark.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "graph/half_span.h"
#include "graph/pending_table.h"
#include "pipeline/edge_sample.h"
#include "pipeline/processor.h"

namespace weft::pipeline::graph {

struct ServiceGraphOptions {
  // How long a half waits for its other half (from its commit) before it expires.
  uint64_t pairing_window_nanos = 10'000'000'000;
  // Halves waiting at most; beyond it the oldest of a shard expire early (counted as evicted).
  size_t max_pending = 100'000;
  // Root SERVER spans get an edge from the virtual client "user".
  bool user_client_for_roots = false;
  // Shards of the pending table (one mutex each); max_pending is split between them.
  size_t shards = 16;
  // commit() runs expiry at most this often; expire() may be called from outside too.
  uint64_t expire_interval_nanos = 1'000'000'000;
};

// Counters since construction. Each expired or evicted half counts once in virtual_edges
// or expired_unpaired; evicted counts those of them that went early because of the cap.
struct ServiceGraphStats {
  uint64_t paired = 0;            // edges from matched pairs
  uint64_t virtual_edges = 0;     // edges to virtual nodes
  uint64_t user_edges = 0;        // "user" -> root SERVER span edges
  uint64_t expired_unpaired = 0;  // halves dropped without an edge
  uint64_t evicted = 0;           // halves expired early at max_pending
  uint64_t duplicates = 0;        // halves dropped because one of the same side and key waited
  uint64_t pending = 0;           // halves waiting now
};

// Receives the edges found. Called from commit() and expire() on the callers' threads,
// possibly from several at once, never under a lock of the service graph; must be
// thread-safe and must not block (processor.h).
using EdgeSink = std::function<void(std::vector<EdgeSample>&&)>;

// Wall-clock time, nanoseconds since the Unix epoch; injected so tests control expiry.
using UnixNanoClock = std::function<uint64_t()>;
uint64_t system_unix_nano();

// Thread-safe. Must outlive the observations it returns (the Pipeline that owns it does).
class ServiceGraph final : public Processor {
 public:
  ServiceGraph(ServiceGraphOptions options, EdgeSink sink,
               UnixNanoClock now_unix_nano = system_unix_nano);

  std::string_view name() const override { return "service_graph"; }
  std::unique_ptr<Observation> observe(const model::SpanBatch& batch) override;

  // Expires halves committed at or before now - pairing window, and emits their edges.
  // expire(UINT64_MAX) flushes every waiting half (at shutdown).
  void expire(uint64_t now_unix_nano);

  ServiceGraphStats stats() const;

  // Applies one observation (what its commit() calls); consumes `halves`.
  void commit(HalfBatch&& halves);

 private:
  void account(const PendingTally& t);
  void emit(std::vector<EdgeSample>&& edges);

  const ServiceGraphOptions options_;
  const EdgeSink sink_;
  const UnixNanoClock now_;
  PendingTable table_;
  std::atomic<uint64_t> next_expire_{0};

  std::atomic<uint64_t> paired_{0};
  std::atomic<uint64_t> virtual_edges_{0};
  std::atomic<uint64_t> user_edges_{0};
  std::atomic<uint64_t> expired_unpaired_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<int64_t> pending_{0};
};

}  // namespace weft::pipeline::graph
