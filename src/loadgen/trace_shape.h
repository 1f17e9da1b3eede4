#pragma once
// Internal to loadgen: a trace before it becomes spans. build_shape draws the tree (which
// service does what under whom), lay_out_times its timing; span_builder.h turns it into
// model spans. Nodes refer to each other by index into TraceShape::nodes.
#include <cstdint>
#include <vector>

#include "loadgen/prng.h"

namespace weft::loadgen::detail {

enum class Op : uint8_t {
  kServer,       // SERVER span: the root, or the callee side of an RPC
  kInternal,     // INTERNAL span in the same service as its parent
  kRpcClient,    // CLIENT span whose only child is the callee's SERVER span
  kDbClient,     // CLIENT span to a database (virtual peer: no SERVER span)
  kCacheClient,  // CLIENT span to a cache (virtual peer)
  kProducer,     // PRODUCER span; a CONSUMER elsewhere links to it
  kConsumer,     // CONSUMER span: no parent, a link to its producer
};

// Service hops (CLIENT->SERVER pairs) allowed below the root: at most 6 levels of services.
inline constexpr int kMaxLevel = 5;

struct Node {
  Op op = Op::kServer;
  int parent = -1;  // -1 for the root and for consumers
  int link = -1;    // consumers: their producer
  int request = 0;  // the nearest SERVER/CONSUMER at or above this node (its own request)
  int service = 0;
  int host = 0;
  // Callee (RPC client, producer) or caller (server, consumer); for the root, -1 - the index
  // of the edge load balancer that sent the request.
  int peer_service = -1;
  int level = 0;     // RPC hops above this node
  int endpoint = 0;  // index into the service's endpoints (server and RPC client)
  std::vector<int> children;
  // Filled by lay_out_times, in nanoseconds after the trace's start.
  uint64_t start = 0;
  uint64_t duration = 0;
  double slowdown = 1.0;  // multiplies the node's own work (the slow cohort)
  bool error = false;     // the span that fails
  // An ancestor of the failing span when the failure propagates: CLIENT spans become ERROR,
  // SERVER spans answer 500 (their status stays unset, as OTel leaves it for 5xx).
  bool error_propagated = false;
};

struct TraceShape {
  std::vector<Node> nodes;  // nodes[0] is the root; a parent precedes its children
};

// A tree of exactly `span_count` nodes (REQUIRES: span_count >= 1) per WORKLOAD.md: a root
// SERVER in an entry service; children attached uniformly at random to SERVER, CONSUMER
// and INTERNAL nodes: INTERNAL 30%, else a call: 2.2% to a database/cache (virtual peer),
// 5% PRODUCER/CONSUMER, 92% CLIENT->SERVER to a downstream service. A call that cannot be
// made (leaf service, depth limit, one span left) becomes INTERNAL.
TraceShape build_shape(Prng& rng, int span_count);

// Fills start/duration of every node: log-normal work (median 2 ms at the leaves), children
// inside their parents (mostly one after another, sometimes overlapping), a CLIENT around its
// SERVER plus network time, a CONSUMER starting after its PRODUCER plus queueing delay.
void lay_out_times(Prng& rng, TraceShape& shape);

}  // namespace weft::loadgen::detail
