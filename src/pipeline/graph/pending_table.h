#pragma once
// The halves of calls waiting for their other half, split into shards by key, one mutex
// per shard, so that many store threads commit at once. Each shard keeps its entries in a
// hash map plus an intrusive list in insertion order, so the oldest is found in O(1) for
// expiry and for eviction at capacity.
//
// Outcomes of a half:
//   * its other half arrives (before it expires): one paired edge, both removed;
//   * a half of the same side and key arrives: the newcomer is dropped (a duplicate span,
//     or a second SERVER span under one CLIENT span), counted in `duplicates`;
//   * it expires (inserted at or before the cutoff) or is evicted (its shard is full; the
//     oldest goes first, counted in `evicted` as well): a client half with a peer node
//     becomes an edge to that virtual node; anything else is dropped, counted in
//     `unpaired`.
// Memory: one map node per entry (next pointer 8 + key 24 + PendingEntry 64 = 96 bytes,
// 112 with malloc's header and rounding) plus ~8-16 bytes of bucket array: ~125 bytes.
// Names are interned per shard with a reference count, so they cost nothing per entry and
// a name no entry uses any more is freed.
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph/half_span.h"
#include "pipeline/edge_sample.h"

namespace weft::pipeline::graph {

// What the table's operations did, summed by the caller into its counters.
struct PendingTally {
  uint64_t paired = 0;
  uint64_t virtual_edges = 0;
  uint64_t unpaired = 0;
  uint64_t evicted = 0;
  uint64_t duplicates = 0;
  int64_t pending_delta = 0;  // entries added minus entries removed
};

// One shard. Thread-safe.
class PendingShard {
 public:
  // Matches or inserts each of `halves` (all of this shard; names index into `names`),
  // stamping new entries with `now`; evicts the oldest while the shard holds `capacity`.
  // Appends the edges found to `edges`.
  void offer(std::span<const HalfSpan> halves, const std::vector<std::string>& names, uint64_t now,
             size_t capacity, std::vector<EdgeSample>& edges, PendingTally& tally);
  // Expires every entry inserted at or before `cutoff`.
  void expire(uint64_t cutoff, std::vector<EdgeSample>& edges, PendingTally& tally);
  size_t size() const;
  // Distinct names interned now (for tests: names no entry uses are freed).
  size_t name_count() const;

 private:
  // An interned name and the number of entries using it.
  using Name = std::pair<const std::string, uint32_t>;
  struct Entry;
  using Node = std::pair<const PendingKey, Entry>;
  struct Entry {
    Name* service = nullptr;
    Name* peer = nullptr;  // client halves with a virtual node only
    uint64_t end_unix_nano = 0;
    uint64_t duration_nanos = 0;
    uint64_t inserted_unix_nano = 0;
    Node* older = nullptr;  // the insertion-order list
    Node* newer = nullptr;
    Side side = Side::kClient;
    bool error = false;
    bool messaging = false;
    PeerKind peer_kind = PeerKind::kService;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  Name* intern(std::string_view s);
  void release(Name* n);
  // Removes the node: unlinks it, releases its names, erases it from the map.
  void remove(Node* node);
  // The expiry outcome of `node` (see the header comment), then remove().
  void expire_node(Node* node, std::vector<EdgeSample>& edges, PendingTally& tally);

  mutable std::mutex mu_;
  std::unordered_map<PendingKey, Entry, PendingKeyHash> entries_;               // GUARDED_BY(mu_)
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> names_;  // GUARDED_BY(mu_)
  Node* oldest_ = nullptr;                                                      // GUARDED_BY(mu_)
  Node* newest_ = nullptr;                                                      // GUARDED_BY(mu_)
};

// The shards. Thread-safe: each operation locks one shard at a time.
class PendingTable {
 public:
  // HalfSpan::shard is 16 bits; more shards than this would not help anyway.
  static constexpr size_t kMaxShards = 4096;
  // `shards` is clamped to [1, kMaxShards]; `max_entries` is split evenly between the
  // shards (at least one entry each).
  PendingTable(size_t shards, size_t max_entries);

  size_t shard_count() const { return shard_count_; }
  // REQUIRES: halves.halves sorted by shard, shard < shard_count() (collect_halves does so).
  void offer(const HalfBatch& halves, uint64_t now, std::vector<EdgeSample>& edges,
             PendingTally& tally);
  // Expires every entry inserted at or before `cutoff`, in all shards.
  void expire(uint64_t cutoff, std::vector<EdgeSample>& edges, PendingTally& tally);
  size_t size() const;
  size_t name_count() const;

 private:
  size_t shard_count_;
  size_t shard_capacity_;
  std::unique_ptr<PendingShard[]> shards_;
};

}  // namespace weft::pipeline::graph
