#include "graph/half_span.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "graph/peer_node.h"

namespace weft::pipeline::graph {

using namespace weft::model;

namespace {

// Zipkin's shared span model: the server side of an RPC reuses the client span's ID (B3
// propagation, Zipkin v2 "shared": true). wire/zipkin_mapping.h keeps the flag as the
// attribute below; such a SERVER span pairs with the CLIENT span of its own ID.
// Compares lengths first: the other keys' bytes (on the heap when long) are never read.
bool is_zipkin_shared(const Span& s) {
  constexpr std::string_view kShared = "zipkin.shared";
  for (const KeyValue& kv : s.attributes)
    if (kv.key.size() == kShared.size() &&
        std::memcmp(kv.key.data(), kShared.data(), kShared.size()) == 0)
      return kv.value.as_bool() && *kv.value.as_bool();
  return false;
}

uint64_t string_hash(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
  }
  h ^= h >> 32;
  h *= 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 29);
}

// What collect_halves reuses from batch to batch on one thread, so that a batch allocates
// only what it hands over (the halves and the names).
struct Scratch {
  std::vector<HalfSpan> halves;      // in batch order, before the sort by shard
  std::vector<uint32_t> span_of;     // halves[i] is of span span_of[i] of the batch
  std::vector<uint32_t> order;       // out.halves[j] is halves[order[j]]
  std::vector<uint32_t> last_slots;  // key -> position in out.halves of its last half + 1
  std::vector<uint8_t> may_wait;     // by position in out.halves: may wait in the table
  std::vector<uint32_t> need_peer;   // positions in out.halves of client halves that may
  std::vector<uint32_t> shard_ends;  // counting sort
  std::vector<uint32_t> name_slots;  // BatchNames' open-addressing index (index + 1; 0 empty)
  std::vector<uint64_t> name_hashes;
  std::string peer;  // the peer node's name being built
  std::vector<PendingKey> producers;  // the batch's PRODUCER spans, sorted; built on demand
};

// Interns a batch's names (a few services, a few dozen peers) into `names` through a small
// hash index, so that each distinct name is copied once per batch.
class BatchNames {
 public:
  BatchNames(std::vector<std::string>& names, Scratch& scratch)
      : names_(names), slots_(scratch.name_slots), hashes_(scratch.name_hashes) {
    slots_.assign(64, 0);
    hashes_.clear();
  }
  uint32_t add(std::string_view s) {
    const uint64_t h = string_hash(s);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t slot = slots_[i];
      if (slot == 0) break;
      if (hashes_[slot - 1] == h && names_[slot - 1] == s) return slot - 1;
    }
    names_.emplace_back(s);
    hashes_.push_back(h);
    const auto index = static_cast<uint32_t>(names_.size() - 1);
    if (names_.size() * 2 > slots_.size()) {  // grow: rebuild at a load of 1/4
      slots_.assign(slots_.size() * 2, 0);
      mask = slots_.size() - 1;
      for (uint32_t n = 0; n < names_.size(); ++n) place(hashes_[n], n, mask);
    } else {
      place(h, index, mask);
    }
    return index;
  }

 private:
  void place(uint64_t h, uint32_t index, size_t mask) {
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = index + 1;
  }
  std::vector<std::string>& names_;
  std::vector<uint32_t>& slots_;
  std::vector<uint64_t>& hashes_;
};

// Spans of one resource share their Resource: its service name is looked up and interned
// once per batch. A direct-mapped cache keyed by the pointer (a miss just looks again).
class ServiceCache {
 public:
  uint32_t get(const Span& s, BatchNames& names) {
    const Resource* r = s.resource.get();
    Entry& e = entries_[(reinterpret_cast<uintptr_t>(r) >> 4) % entries_.size()];
    if (e.resource != r || e.name == kNoName) {
      e.resource = r;
      e.name = names.add(s.service_name());
    }
    return e.name;
  }

 private:
  struct Entry {
    const Resource* resource = nullptr;
    uint32_t name = kNoName;
  };
  std::array<Entry, 32> entries_{};
};

bool key_less(const PendingKey& a, const PendingKey& b) {
  if (int c = std::memcmp(a.trace_id.bytes.data(), b.trace_id.bytes.data(), 16); c != 0)
    return c < 0;
  return std::memcmp(a.span_id.bytes.data(), b.span_id.bytes.data(), 8) < 0;
}

// Whether span (trace, id) is a PRODUCER span of `batch`. The first call indexes the batch.
bool is_batch_producer(const SpanBatch& batch, const TraceId& trace, const SpanId& id,
                       Scratch& scratch, bool& indexed) {
  std::vector<PendingKey>& p = scratch.producers;
  if (!indexed) {
    indexed = true;
    p.clear();
    for (const Span& s : batch.spans)
      if (s.kind == SpanKind::kProducer) p.push_back({s.trace_id, s.span_id});
    std::sort(p.begin(), p.end(), key_less);
  }
  const PendingKey k{trace, id};
  auto it = std::lower_bound(p.begin(), p.end(), k, key_less);
  return it != p.end() && *it == k;
}

constexpr size_t kPrefetchMaxBytes = 1024;

void prefetch_attributes(const Span& s) {
  const char* p = reinterpret_cast<const char*>(s.attributes.data());
  const size_t bytes = std::min(s.attributes.size() * sizeof(KeyValue), kPrefetchMaxBytes);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off);
}

}  // namespace

HalfBatch collect_halves(const SpanBatch& batch, const CollectOptions& options) {
  thread_local Scratch scratch;
  HalfBatch out;
  std::vector<HalfSpan>& halves = scratch.halves;
  halves.clear();
  scratch.span_of.clear();
  BatchNames names(out.names, scratch);
  ServiceCache services;
  bool producers_indexed = false;
  const std::vector<Span>& spans = batch.spans;
  // SERVER spans' attributes are read (is_zipkin_shared) and are likely cold: start loading
  // them a few spans ahead.
  constexpr size_t kAhead = 16;
  for (size_t n = 0; n < std::min(kAhead, spans.size()); ++n)
    if (spans[n].kind == SpanKind::kServer) prefetch_attributes(spans[n]);
  for (size_t n = 0; n < spans.size(); ++n) {
    if (n + kAhead < spans.size() && spans[n + kAhead].kind == SpanKind::kServer)
      prefetch_attributes(spans[n + kAhead]);
    const Span& s = spans[n];
    Side side;
    bool messaging = false;
    switch (s.kind) {
      case SpanKind::kProducer:
        messaging = true;
        [[fallthrough]];
      case SpanKind::kClient:
        side = Side::kClient;
        break;
      case SpanKind::kConsumer:
        messaging = true;
        [[fallthrough]];
      case SpanKind::kServer:
        side = Side::kServer;
        break;
      default:
        continue;
    }
    HalfSpan h;
    h.key.trace_id = s.trace_id;
    if (side == Side::kClient || (s.kind == SpanKind::kServer && is_zipkin_shared(s))) {
      // (A Zipkin shared SERVER span carries its CLIENT span's ID: keyed by it, they pair.)
      h.key.span_id = s.span_id;
    } else if (s.kind == SpanKind::kConsumer && !s.links.empty() &&
               !s.links.front().span_id.is_zero() &&
               (s.is_root() ||
                !is_batch_producer(batch, s.trace_id, s.parent_span_id, scratch,
                                   producers_indexed))) {
      // Paired with the PRODUCER span its first link points to (header comment).
      h.key.trace_id = s.links.front().trace_id;
      h.key.span_id = s.links.front().span_id;
    } else if (s.is_root()) {
      if (options.user_client_for_roots && s.kind == SpanKind::kServer) {
        EdgeSample e;
        e.client = kUserClient;
        e.server = s.service_name();
        e.end_unix_nano = s.end_time_unix_nano;
        e.duration_nanos = s.duration_nanos();
        e.error = s.is_error();
        out.user_edges.push_back(std::move(e));
      }
      continue;
    } else {
      h.key.span_id = s.parent_span_id;
    }
    h.end_unix_nano = s.end_time_unix_nano;
    h.duration_nanos = s.duration_nanos();
    h.service = services.get(s, names);
    h.side = side;
    h.error = s.is_error();
    h.messaging = messaging;
    h.shard = shard_of(h.key, options.shards);
    halves.push_back(h);
    scratch.span_of.push_back(static_cast<uint32_t>(n));
  }

  // A stable counting sort by shard.
  std::vector<uint32_t>& ends = scratch.shard_ends;
  ends.assign(options.shards + 1, 0);
  for (const HalfSpan& h : halves) ++ends[h.shard + 1];
  for (size_t i = 1; i < ends.size(); ++i) ends[i] += ends[i - 1];
  out.halves.resize(halves.size());
  scratch.order.resize(halves.size());
  for (uint32_t i = 0; i < halves.size(); ++i) {
    const uint32_t j = ends[halves[i].shard]++;
    out.halves[j] = halves[i];
    scratch.order[j] = i;
  }

  // Which client halves may wait in the table (header comment): all but those whose key's
  // next half, soon enough in the shard's order, is a server half. Same key, same shard, so
  // positions in out.halves count the halves of the shard between the two.
  std::vector<uint8_t>& waits = scratch.may_wait;
  waits.assign(out.halves.size(), 1);
  std::vector<uint32_t>& last = scratch.last_slots;
  size_t buckets = 16;
  while (buckets < out.halves.size() * 2) buckets *= 2;
  last.assign(buckets, 0);
  const size_t mask = buckets - 1;
  for (uint32_t j = 0; j < out.halves.size(); ++j) {
    const HalfSpan& h = out.halves[j];
    size_t b = pending_key_hash64(h.key) & mask;
    while (last[b] != 0 && out.halves[last[b] - 1].key != h.key) b = (b + 1) & mask;
    if (last[b] != 0) {
      const uint32_t prev = last[b] - 1;
      if (out.halves[prev].side == Side::kClient && h.side == Side::kServer &&
          j - prev - 1 < options.shard_capacity)
        waits[prev] = 0;
    }
    last[b] = j + 1;
  }
  // The peer nodes of the client halves that may wait. Their attributes are likely cold by
  // now (the spans were decoded a while ago): fetching them all first overlaps the misses.
  std::vector<uint32_t>& need = scratch.need_peer;
  need.clear();
  for (uint32_t j = 0; j < out.halves.size(); ++j)
    if (out.halves[j].side == Side::kClient && waits[j]) {
      need.push_back(j);
      prefetch_attributes(spans[scratch.span_of[scratch.order[j]]]);
    }
  for (uint32_t j : need) {
    HalfSpan& h = out.halves[j];
    PeerKind kind;
    if (peer_node_into(spans[scratch.span_of[scratch.order[j]]].attributes, &scratch.peer,
                       &kind)) {
      h.peer = names.add(scratch.peer);
      h.peer_kind = kind;
    }
  }
  return out;
}

}  // namespace weft::pipeline::graph
