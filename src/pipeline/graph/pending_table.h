#pragma once
// The halves of calls waiting for their other half, split into shards by key, one mutex
// per shard, so that many store threads commit at once. Each shard keeps its entries in a
// slab (fixed-size chunks, a free list) indexed by an open-addressing hash table (linear
// probing, backward-shift deletion), plus an intrusive list in insertion order, so the
// oldest is found in O(1) for expiry and for eviction at capacity.
//
// Outcomes of a half:
//   * its other half arrives (before it expires): one paired edge, both removed;
//   * a half of the same side and key arrives: the newcomer is dropped (a duplicate span,
//     or a second SERVER span under one CLIENT span), counted in `duplicates`;
//   * it expires (inserted at or before the cutoff) or is evicted (its shard is full; the
//     oldest goes first, counted in `evicted` as well): a client half with a peer node
//     becomes an edge to that virtual node; anything else is dropped, counted in
//     `unpaired`.
// Memory: one 72-byte slab entry per pending half plus 8 bytes per bucket of the index
// (at most 3/4 full): 73-91 bytes per entry measured with mallinfo2 over 200k entries (a
// node-based unordered_map took 112-126). expire() compacts a shard whose slab is less
// than a quarter used. Names are interned per shard with a reference count, so they cost nothing per
// entry and a name no entry uses any more is freed. A half that pairs within the commit
// that brought it (the usual case: both halves of a call in one batch) never interns its
// names: an entry refers to the batch's names until the end of offer().
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
  PendingShard() = default;
  PendingShard(const PendingShard&) = delete;
  PendingShard& operator=(const PendingShard&) = delete;

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
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr uint32_t kChunkBits = 8;  // 256 entries (18 KiB) per slab chunk
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr size_t kMinBuckets = 16;

  enum Flags : uint8_t {
    kLive = 1,
    kError = 2,
    kMessaging = 4,
    kBatchNames = 8,  // service / peer index the names of the batch being offered
  };
  struct Entry {  // 72 bytes
    PendingKey key;
    uint64_t end_unix_nano;
    uint64_t duration_nanos;
    uint64_t inserted_unix_nano;
    uint32_t service;  // name ID (or batch name index, with kBatchNames)
    uint32_t peer;     // client halves with a virtual node only; else kNoName
    uint32_t older;    // the insertion-order list; `newer` links the free list too
    uint32_t newer;
    Side side;
    uint8_t flags;
    PeerKind peer_kind;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct NameRef {
    const std::string* name = nullptr;  // the key in names_; nullptr when the ID is free
    uint32_t refs = 0;
  };

  Entry& at(uint32_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  const Entry& at(uint32_t i) const { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  size_t home(uint32_t tag) const { return tag >> (32 - bucket_bits_); }
  // The bucket holding `key`, or SIZE_MAX.
  size_t find(const PendingKey& key, uint64_t hash) const;
  void index_insert(uint32_t tag, uint32_t entry);
  void index_erase(size_t bucket);
  void rebuild_index(size_t buckets);
  uint32_t allocate();
  // Drops free slab chunks after a burst: entries are moved to the front, in list order.
  void compact();

  std::string_view name(const Entry& e, uint32_t id) const;
  uint32_t intern(std::string_view s);
  void release(uint32_t id);
  // Removes the entry at `bucket` of the index: unlinks it, releases its names, frees it.
  void remove(size_t bucket);
  // The expiry outcome of the oldest entry (see the header comment), then remove().
  void expire_oldest(std::vector<EdgeSample>& edges, PendingTally& tally);

  mutable std::mutex mu_;
  // All GUARDED_BY(mu_).
  std::vector<uint64_t> buckets_;  // (tag << 32) | (entry + 1); 0 = empty
  uint32_t bucket_bits_ = 0;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  uint32_t allocated_ = 0;  // slab entries handed out so far (live or on the free list)
  uint32_t free_ = kNil;
  uint32_t oldest_ = kNil;
  uint32_t newest_ = kNil;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> names_;  // name -> ID
  std::vector<NameRef> name_refs_;                                              // by ID
  std::vector<uint32_t> free_names_;
  const std::vector<std::string>* batch_names_ = nullptr;  // during offer() only
  std::vector<uint32_t> fresh_;  // entries inserted by the running offer()
  std::vector<uint32_t> batch_ids_;  // offer(): batch name index -> interned ID, or kNoName
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
  size_t shard_capacity() const { return shard_capacity_; }
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
