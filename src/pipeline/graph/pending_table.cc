#include "graph/pending_table.h"

#include <algorithm>

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

PendingShard::Name* PendingShard::intern(std::string_view s) {
  auto it = names_.find(s);
  if (it == names_.end()) it = names_.emplace(std::string(s), 0).first;
  ++it->second;
  return &*it;
}

void PendingShard::release(Name* n) {
  if (n && --n->second == 0) names_.erase(names_.find(n->first));
}

void PendingShard::remove(Node* node) {
  Entry& e = node->second;
  (e.older ? e.older->second.newer : oldest_) = e.newer;
  (e.newer ? e.newer->second.older : newest_) = e.older;
  release(e.service);
  release(e.peer);
  entries_.erase(entries_.find(node->first));
}

void PendingShard::expire_node(Node* node, std::vector<EdgeSample>& edges, PendingTally& tally) {
  const Entry& e = node->second;
  if (e.side == Side::kClient && e.peer) {
    edges.push_back(virtual_edge({e.service->first, e.peer->first, e.end_unix_nano,
                                  e.duration_nanos, e.error, e.messaging, e.peer_kind}));
    ++tally.virtual_edges;
  } else {
    ++tally.unpaired;
  }
  remove(node);
  --tally.pending_delta;
}

void PendingShard::offer(std::span<const HalfSpan> halves, const std::vector<std::string>& names,
                         uint64_t now, size_t capacity, std::vector<EdgeSample>& edges,
                         PendingTally& tally) {
  std::lock_guard lock(mu_);
  for (const HalfSpan& h : halves) {
    const HalfView view{name_at(names, h.service),
                        name_at(names, h.peer),
                        h.end_unix_nano,
                        h.duration_nanos,
                        h.error,
                        h.messaging,
                        h.peer_kind};
    if (auto it = entries_.find(h.key); it != entries_.end()) {
      const Entry& e = it->second;
      if (e.side == h.side) {
        ++tally.duplicates;
        continue;
      }
      const HalfView stored{e.service->first, e.peer ? std::string_view(e.peer->first) : "",
                            e.end_unix_nano,  e.duration_nanos,
                            e.error,          e.messaging,
                            e.peer_kind};
      edges.push_back(h.side == Side::kClient ? paired_edge(view, stored)
                                              : paired_edge(stored, view));
      ++tally.paired;
      remove(&*it);
      --tally.pending_delta;
      continue;
    }
    while (oldest_ && entries_.size() >= capacity) {
      expire_node(oldest_, edges, tally);
      ++tally.evicted;
    }
    Node& node = *entries_.try_emplace(h.key).first;
    Entry& e = node.second;
    e.service = intern(view.service);
    e.peer = h.peer == kNoName ? nullptr : intern(view.peer);
    e.end_unix_nano = h.end_unix_nano;
    e.duration_nanos = h.duration_nanos;
    e.inserted_unix_nano = now;
    e.side = h.side;
    e.error = h.error;
    e.messaging = h.messaging;
    e.peer_kind = h.peer_kind;
    e.older = newest_;
    (newest_ ? newest_->second.newer : oldest_) = &node;
    newest_ = &node;
    ++tally.pending_delta;
  }
}

void PendingShard::expire(uint64_t cutoff, std::vector<EdgeSample>& edges, PendingTally& tally) {
  std::lock_guard lock(mu_);
  // Entries are in commit order; commits stamp `now` before taking the lock, so the list is
  // sorted only up to a race between threads: an entry may expire a few microseconds late.
  while (oldest_ && oldest_->second.inserted_unix_nano <= cutoff)
    expire_node(oldest_, edges, tally);
}

size_t PendingShard::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
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
