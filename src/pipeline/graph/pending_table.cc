#include "graph/pending_table.h"

#include <algorithm>
#include <bit>

namespace weft::pipeline::graph {

namespace {

// The fields of one half an edge reads, whether it sits in the table or just arrived.
struct HalfView {
  std::string_view service;
  std::string_view peer;
  uint64_t end_unix_nano;
  uint64_t duration_nanos;
  bool error;
  bool messaging;
  PeerKind peer_kind;
};

// A matched pair. The latency is the client's (what the caller saw) and so is the end time:
// the edge is bucketed by when the call ended for the caller.
EdgeSample paired_edge(const HalfView& client, const HalfView& server) {
  EdgeSample e;
  e.client = client.service;
  e.server = server.service;
  e.server_kind = PeerKind::kService;
  e.messaging = client.messaging || server.messaging;
  e.end_unix_nano = client.end_unix_nano;
  e.duration_nanos = client.duration_nanos;
  e.error = client.error || server.error;
  return e;
}

EdgeSample virtual_edge(const HalfView& client) {
  EdgeSample e;
  e.client = client.service;
  e.server = client.peer;
  e.server_kind = client.peer_kind;
  e.virtual_server = true;
  e.messaging = client.messaging;
  e.end_unix_nano = client.end_unix_nano;
  e.duration_nanos = client.duration_nanos;
  e.error = client.error;
  return e;
}

std::string_view name_at(const std::vector<std::string>& names, uint32_t i) {
  return i == kNoName ? std::string_view() : std::string_view(names[i]);
}

}  // namespace

std::string_view PendingShard::name(const Entry& e, uint32_t id) const {
  if (id == kNoName) return {};
  if (e.flags & kBatchNames) return (*batch_names_)[id];
  return *name_refs_[id].name;
}

uint32_t PendingShard::intern(std::string_view s) {
  auto it = names_.find(s);
  if (it == names_.end()) {
    uint32_t id;
    if (!free_names_.empty()) {
      id = free_names_.back();
      free_names_.pop_back();
    } else {
      id = static_cast<uint32_t>(name_refs_.size());
      name_refs_.emplace_back();
    }
    it = names_.emplace(std::string(s), id).first;
    name_refs_[id].name = &it->first;
  }
  ++name_refs_[it->second].refs;
  return it->second;
}

void PendingShard::release(uint32_t id) {
  if (id == kNoName) return;
  NameRef& n = name_refs_[id];
  if (--n.refs > 0) return;
  names_.erase(names_.find(*n.name));
  n.name = nullptr;
  free_names_.push_back(id);
}

size_t PendingShard::find(const PendingKey& key, uint64_t hash) const {
  if (size_ == 0) return SIZE_MAX;
  const auto tag = static_cast<uint32_t>(hash >> 32);
  const size_t mask = buckets_.size() - 1;
  for (size_t i = home(tag);; i = (i + 1) & mask) {
    const uint64_t v = buckets_[i];
    if (v == 0) return SIZE_MAX;
    if (static_cast<uint32_t>(v >> 32) == tag && at(static_cast<uint32_t>(v) - 1).key == key)
      return i;
  }
}

void PendingShard::index_insert(uint32_t tag, uint32_t entry) {
  const size_t mask = buckets_.size() - 1;
  size_t i = home(tag);
  while (buckets_[i] != 0) i = (i + 1) & mask;
  buckets_[i] = (static_cast<uint64_t>(tag) << 32) | (static_cast<uint64_t>(entry) + 1);
}

void PendingShard::index_erase(size_t i) {
  // Backward-shift deletion: later entries of the probe run that may sit at i move up.
  const size_t mask = buckets_.size() - 1;
  for (size_t j = i;;) {
    j = (j + 1) & mask;
    const uint64_t v = buckets_[j];
    if (v == 0) break;
    const size_t k = home(static_cast<uint32_t>(v >> 32));
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      buckets_[i] = v;
      i = j;
    }
  }
  buckets_[i] = 0;
}

void PendingShard::rebuild_index(size_t buckets) {
  std::vector<uint64_t> old = std::move(buckets_);
  buckets_.assign(buckets, 0);
  bucket_bits_ = static_cast<uint32_t>(std::countr_zero(buckets));
  for (uint64_t v : old)
    if (v != 0) index_insert(static_cast<uint32_t>(v >> 32), static_cast<uint32_t>(v) - 1);
}

uint32_t PendingShard::allocate() {
  if (free_ != kNil) {
    const uint32_t i = free_;
    free_ = at(i).newer;
    return i;
  }
  if (allocated_ == chunks_.size() * kChunkSize)
    chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(kChunkSize));
  return allocated_++;
}

void PendingShard::compact() {
  std::vector<std::unique_ptr<Entry[]>> old = std::move(chunks_);
  const auto old_at = [&old](uint32_t i) -> Entry& {
    return old[i >> kChunkBits][i & (kChunkSize - 1)];
  };
  chunks_.clear();
  allocated_ = 0;
  free_ = kNil;
  uint32_t prev = kNil;
  for (uint32_t i = oldest_; i != kNil;) {
    const uint32_t next = old_at(i).newer;
    const uint32_t n = allocate();
    Entry& e = at(n);
    e = old_at(i);
    e.older = prev;
    e.newer = kNil;
    if (prev != kNil) at(prev).newer = n;
    prev = n;
    i = next;
  }
  oldest_ = size_ ? 0 : kNil;
  newest_ = prev;
  size_t buckets = kMinBuckets;
  while (buckets < size_ * 2) buckets *= 2;
  buckets_.assign(buckets, 0);
  bucket_bits_ = static_cast<uint32_t>(std::countr_zero(buckets));
  for (uint32_t i = 0; i < size_; ++i)
    index_insert(static_cast<uint32_t>(pending_key_hash64(at(i).key) >> 32), i);
}

void PendingShard::remove(size_t bucket) {
  const uint32_t i = static_cast<uint32_t>(buckets_[bucket]) - 1;
  Entry& e = at(i);
  (e.older != kNil ? at(e.older).newer : oldest_) = e.newer;
  (e.newer != kNil ? at(e.newer).older : newest_) = e.older;
  if (!(e.flags & kBatchNames)) {
    release(e.service);
    release(e.peer);
  }
  e.flags = 0;
  e.newer = free_;
  free_ = i;
  index_erase(bucket);
  --size_;
}

void PendingShard::expire_oldest(std::vector<EdgeSample>& edges, PendingTally& tally) {
  const Entry& e = at(oldest_);
  if (e.side == Side::kClient && e.peer != kNoName) {
    edges.push_back(virtual_edge({name(e, e.service), name(e, e.peer), e.end_unix_nano,
                                  e.duration_nanos, (e.flags & kError) != 0,
                                  (e.flags & kMessaging) != 0, e.peer_kind}));
    ++tally.virtual_edges;
  } else {
    ++tally.unpaired;
  }
  remove(find(e.key, pending_key_hash64(e.key)));
  --tally.pending_delta;
}

void PendingShard::offer(std::span<const HalfSpan> halves, const std::vector<std::string>& names,
                         uint64_t now, size_t capacity, std::vector<EdgeSample>& edges,
                         PendingTally& tally) {
  std::lock_guard lock(mu_);
  batch_names_ = &names;
  fresh_.clear();
  for (const HalfSpan& h : halves) {
    const uint64_t hash = pending_key_hash64(h.key);
    if (const size_t b = find(h.key, hash); b != SIZE_MAX) {
      const Entry& e = at(static_cast<uint32_t>(buckets_[b]) - 1);
      if (e.side == h.side) {
        ++tally.duplicates;
        continue;
      }
      const HalfView view{name_at(names, h.service),
                          name_at(names, h.peer),
                          h.end_unix_nano,
                          h.duration_nanos,
                          h.error,
                          h.messaging,
                          h.peer_kind};
      const HalfView stored{name(e, e.service),     name(e, e.peer),
                            e.end_unix_nano,        e.duration_nanos,
                            (e.flags & kError) != 0, (e.flags & kMessaging) != 0,
                            e.peer_kind};
      edges.push_back(h.side == Side::kClient ? paired_edge(view, stored)
                                              : paired_edge(stored, view));
      ++tally.paired;
      remove(b);
      --tally.pending_delta;
      continue;
    }
    while (oldest_ != kNil && size_ >= capacity) {
      expire_oldest(edges, tally);
      ++tally.evicted;
    }
    if ((size_ + 1) * 4 > buckets_.size() * 3)
      rebuild_index(buckets_.empty() ? kMinBuckets : buckets_.size() * 2);
    const uint32_t i = allocate();
    Entry& e = at(i);
    e.key = h.key;
    e.end_unix_nano = h.end_unix_nano;
    e.duration_nanos = h.duration_nanos;
    e.inserted_unix_nano = now;
    e.service = h.service;
    e.peer = h.peer;
    e.side = h.side;
    e.flags = static_cast<uint8_t>(kLive | kBatchNames | (h.error ? kError : 0) |
                                   (h.messaging ? kMessaging : 0));
    e.peer_kind = h.peer_kind;
    e.older = newest_;
    e.newer = kNil;
    (newest_ != kNil ? at(newest_).newer : oldest_) = i;
    newest_ = i;
    index_insert(static_cast<uint32_t>(hash >> 32), i);
    ++size_;
    fresh_.push_back(i);
    ++tally.pending_delta;
  }
  // What stays of this batch's halves now refers to the shard's own copies of its names.
  // (An entry freed and reused within this call is listed twice; the flag tells.) Each batch
  // name is looked up once; its ID is then only referenced again (nothing is released here).
  if (!fresh_.empty()) {
    batch_ids_.assign(names.size(), kNoName);
    const auto intern_batch = [&](uint32_t b) {
      if (b == kNoName) return intern(std::string_view());
      uint32_t& id = batch_ids_[b];
      if (id == kNoName) {
        id = intern(names[b]);
      } else {
        ++name_refs_[id].refs;
      }
      return id;
    };
    for (uint32_t i : fresh_) {
      Entry& e = at(i);
      if ((e.flags & (kLive | kBatchNames)) != (kLive | kBatchNames)) continue;
      e.service = intern_batch(e.service);
      e.peer = e.peer == kNoName ? kNoName : intern_batch(e.peer);
      e.flags &= static_cast<uint8_t>(~kBatchNames);
    }
  }
  batch_names_ = nullptr;
}

void PendingShard::expire(uint64_t cutoff, std::vector<EdgeSample>& edges, PendingTally& tally) {
  std::lock_guard lock(mu_);
  // Entries are in commit order; commits stamp `now` before taking the lock, so the list is
  // sorted only up to a race between threads: an entry may expire a few microseconds late.
  while (oldest_ != kNil && at(oldest_).inserted_unix_nano <= cutoff)
    expire_oldest(edges, tally);
  // After a burst: give back the slab chunks and index buckets it left mostly empty.
  if (chunks_.size() > 1 && size_ * 4 < allocated_) compact();
}

size_t PendingShard::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

size_t PendingShard::name_count() const {
  std::lock_guard lock(mu_);
  return names_.size();
}

PendingTable::PendingTable(size_t shards, size_t max_entries)
    : shard_count_(std::clamp<size_t>(shards, 1, kMaxShards)),
      shard_capacity_(std::max<size_t>(max_entries / shard_count_, 1)),
      shards_(std::make_unique<PendingShard[]>(shard_count_)) {}

void PendingTable::offer(const HalfBatch& halves, uint64_t now, std::vector<EdgeSample>& edges,
                         PendingTally& tally) {
  std::span<const HalfSpan> rest(halves.halves);
  while (!rest.empty()) {
    const uint16_t shard = rest.front().shard;
    size_t n = 1;
    while (n < rest.size() && rest[n].shard == shard) ++n;
    shards_[shard].offer(rest.first(n), halves.names, now, shard_capacity_, edges, tally);
    rest = rest.subspan(n);
  }
}

void PendingTable::expire(uint64_t cutoff, std::vector<EdgeSample>& edges, PendingTally& tally) {
  for (size_t i = 0; i < shard_count_; ++i) shards_[i].expire(cutoff, edges, tally);
}

size_t PendingTable::size() const {
  size_t n = 0;
  for (size_t i = 0; i < shard_count_; ++i) n += shards_[i].size();
  return n;
}

}  // namespace weft::pipeline::graph

namespace weft::pipeline::graph {

size_t PendingTable::name_count() const {
  size_t n = 0;
  for (size_t i = 0; i < shard_count_; ++i) n += shards_[i].name_count();
  return n;
}

}  // namespace weft::pipeline::graph
