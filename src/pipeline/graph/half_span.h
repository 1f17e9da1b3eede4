#pragma once
// The halves of calls a batch holds, as the service graph keeps them: one compact record
// per CLIENT / PRODUCER span (keyed by its own span ID) and per SERVER / CONSUMER span with
// a parent (keyed by its parent's span ID) -- or, for a CONSUMER span, by the span its first
// link points to (see collect_halves). A client half and a server half with the same key are
// the two ends of one call. Made by collect_halves() in observe(); owns copies of the few
// strings an edge needs, since the batch itself moves on to the store.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "model/span.h"
#include "pipeline/edge_sample.h"

namespace weft::pipeline::graph {

// (trace ID, span ID of the client span). 24 bytes.
struct PendingKey {
  model::TraceId trace_id;
  model::SpanId span_id;
  friend bool operator==(const PendingKey&, const PendingKey&) = default;
};

// noexcept and cheap: libstdc++ then stores no hash code in each node (a fast hash is
// recomputed on rehash), which saves 8 bytes per pending entry.
struct PendingKeyHash {
  size_t operator()(const PendingKey& k) const noexcept {
    uint64_t t, s;
    std::memcpy(&t, k.trace_id.bytes.data() + 8, 8);
    std::memcpy(&s, k.span_id.bytes.data(), 8);
    uint64_t h = (t ^ (s * 0x9E3779B97F4A7C15ULL));
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// A well-mixed 64-bit hash of the whole key, for the pending table's open addressing (its
// high bits pick the bucket, so they must not follow the shard: see shard_of).
inline uint64_t pending_key_hash64(const PendingKey& k) {
  uint64_t a, b, s;
  std::memcpy(&a, k.trace_id.bytes.data(), 8);
  std::memcpy(&b, k.trace_id.bytes.data() + 8, 8);
  std::memcpy(&s, k.span_id.bytes.data(), 8);
  uint64_t h = (a ^ (b * 0xC2B2AE3D27D4EB4FULL)) * 0x9E3779B97F4A7C15ULL;
  h ^= (h >> 31) ^ s;
  h *= 0xD6E8FEB86659FD93ULL;
  return h ^ (h >> 32);
}

enum class Side : uint8_t { kClient = 0, kServer = 1 };

inline constexpr uint32_t kNoName = UINT32_MAX;

// One half, as observe() records it. Strings are indices into HalfBatch::names.
struct HalfSpan {
  PendingKey key;
  uint64_t end_unix_nano = 0;
  uint64_t duration_nanos = 0;
  uint32_t service = kNoName;  // the span's service
  uint32_t peer = kNoName;     // client halves: the virtual node's name (peer_node.h), if any
  uint16_t shard = 0;
  Side side = Side::kClient;
  bool error = false;
  bool messaging = false;  // PRODUCER or CONSUMER
  PeerKind peer_kind = PeerKind::kService;
};

struct HalfBatch {
  std::vector<HalfSpan> halves;        // sorted by shard (stable): commit() takes each shard once
  std::vector<std::string> names;      // distinct service and peer names of the batch
  std::vector<EdgeSample> user_edges;  // "user" -> root SERVER span, when enabled
};

struct CollectOptions {
  size_t shards = 1;  // > 0
  bool user_client_for_roots = false;
  // The pending table's capacity per shard (PendingTable::shard_capacity()): tells which
  // client halves can never wait in the table (below).
  size_t shard_capacity = SIZE_MAX;
};

// The shard a key belongs to (< shards).
inline uint16_t shard_of(const PendingKey& k, size_t shards) {
  // The bucket index of the shard's map uses the low bits of the same hash (modulo a
  // prime); take the shard from the high bits so the two stay independent.
  return static_cast<uint16_t>((PendingKeyHash{}(k) >> 40) % shards);
}

// One pass over `batch`: the halves it holds, sorted by shard. Spans of other kinds, and
// SERVER / CONSUMER roots (unless user_client_for_roots makes a "user" edge of a SERVER
// root), are skipped.
//
// The peer node (peer_node.h) is what a client half needs only if it waits in the table
// until it expires or is evicted; finding it reads all the span's attributes, the costliest
// part of observe(). So a client half gets no peer (kNoName) when the batch proves it can
// never wait: the next half of the batch with its key is a server half, and fewer than
// shard_capacity halves of its shard lie between the two. Whatever the table holds at
// commit, that client half is then a duplicate (a client half of its key waits), pairs with
// a waiting server half, or is inserted and taken by that server half before anything
// could evict it (PendingShard::offer processes a shard's halves in order, under one lock).
//
// A CONSUMER span is keyed by the span its first link points to (link trace ID, link span
// ID: the PRODUCER span of the message, as OTel's messaging conventions link a "process"
// span to the message's creation context) when it has no parent, or when its parent is not
// a PRODUCER span: a parent that is a PRODUCER span of the same batch keeps the parent key,
// a parent the link names too is the same key either way, and any other parent (one the
// batch does not show as a PRODUCER: a "receive" span, a polling loop) gives way to the
// link. A CONSUMER span without links is keyed by its parent, a CONSUMER root without links
// is skipped.
HalfBatch collect_halves(const model::SpanBatch& batch, const CollectOptions& options);

// The client name of edges into root SERVER spans when user_client_for_roots is on.
inline constexpr std::string_view kUserClient = "user";

}  // namespace weft::pipeline::graph
