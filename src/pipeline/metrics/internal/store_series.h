#pragma once
// MetricsStore's in-memory series (shared by metrics_store.cc and metrics_store_query.cc).
#include <cstdint>
#include <map>
#include <string>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "metrics/internal/stored_bucket.h"
#include "metrics/metrics_store.h"

namespace weft::pipeline::metrics {

inline uint64_t floor_to(uint64_t t, uint64_t unit) { return t - t % unit; }

// ---- memory estimate (MetricsStore::bytes_held()) ----------------------------------------
// Heap bytes as allocated, approximately: a std::string's buffer beyond its in-place one,
// a vector's capacity, a Sketch's dense bins (8 bytes each), and a fixed overhead per map node
// (libstdc++'s red-black and hash nodes plus malloc's header).
namespace memory {
inline constexpr int64_t kMallocOverhead = 16;
inline constexpr int64_t kMapNode = 32 + kMallocOverhead;  // rb-tree node header + malloc
inline int64_t string_bytes(const std::string& s) {
  return s.capacity() > 15 ? static_cast<int64_t>(s.capacity()) + 1 + kMallocOverhead : 0;
}
inline int64_t exemplar_bytes(const Exemplars& e) {
  return e.errors().capacity() ? static_cast<int64_t>(e.errors().capacity() * sizeof(Exemplar)) +
                                     kMallocOverhead
                               : 0;
}
inline int64_t stats_bytes(const BucketStats& b) {
  return (b.durations.bin_count() ? static_cast<int64_t>(b.durations.bin_count()) * 8 +
                                        kMallocOverhead
                                  : 0) +
         exemplar_bytes(b.exemplars);
}
// One bucket with its std::map<uint64_t, StoredBucket> node.
inline int64_t bucket_bytes(const StoredBucket& b) {
  return kMapNode + static_cast<int64_t>(sizeof(uint64_t) + sizeof(StoredBucket)) +
         string_bytes(b.persisted.sketch) + exemplar_bytes(b.persisted.exemplars) +
         stats_bytes(b.pending);
}
// What evicting a 10-second bucket frees: its persisted part, and the node when no pending
// data keeps it (counted here whenever the bucket has a persisted part; 0 without one).
inline int64_t persisted_bytes(const StoredBucket& b) {
  if (b.persisted.calls == 0) return 0;
  return kMapNode + static_cast<int64_t>(sizeof(uint64_t) + sizeof(StoredBucket)) +
         string_bytes(b.persisted.sketch) + exemplar_bytes(b.persisted.exemplars);
}
}  // namespace memory

struct MetricsStore::Series {
  SeriesKey key;
  Admit admitted = Admit::kRegular;          // which cardinality budget it counts against
  // By bucket start. Below the family's 10-second memory horizon only the data not yet
  // durable (late spans): pending, or persisted by a flush not yet published.
  std::map<uint64_t, StoredBucket> tens;
  std::map<uint64_t, StoredBucket> minutes;  // by minute start; all before the 10 s horizon
  std::vector<uint64_t> dirty_tens;          // tens with pending data
  std::vector<uint64_t> dirty_minutes;       // minutes with pending data (reloaded deltas)
  uint64_t calls_total = 0, errors_total = 0;
  // End of the newest minute evicted from memory, or holding an evicted 10-second bucket (its
  // data is on disk): the series is kept (services(), series_count()) until that minute
  // expires, as it would be with no budget.
  uint64_t evicted_until = 0;

  // Estimated bytes of the series without its buckets: the Series, its hash-map node with the
  // key's copy, the names (constant over its life; the small dirty lists are not counted).
  int64_t fixed_bytes() const {
    using namespace memory;
    return static_cast<int64_t>(sizeof(Series) + sizeof(SeriesKey) + sizeof(void*) * 3) +
           2 * kMallocOverhead + 2 * (string_bytes(key.first) + string_bytes(key.second));
  }
};

// A lookup key for the series maps: the key's views and its hash_key(), computed once.
struct PrehashedKey {
  const SeriesKeyView& key;
  size_t hash;
};
// SeriesKeyHash, also looking up a PrehashedKey without hashing it again (the same values:
// the same buckets and iteration order as with SeriesKeyHash).
struct StoreKeyHash {
  using is_transparent = void;
  size_t operator()(const SeriesKey& k) const { return SeriesKeyHash()(k); }
  size_t operator()(const PrehashedKey& k) const { return k.hash; }
};
struct StoreKeyEq {
  using is_transparent = void;
  bool operator()(const SeriesKey& a, const SeriesKey& b) const { return a == b; }
  bool operator()(const PrehashedKey& a, const SeriesKey& b) const { return a.key == view_of(b); }
  bool operator()(const SeriesKey& a, const PrehashedKey& b) const { return view_of(a) == b.key; }
};

struct MetricsStore::Shard {
  mutable std::mutex mu;
  std::unordered_map<SeriesKey, std::unique_ptr<Series>, StoreKeyHash, StoreKeyEq> series;
};

}  // namespace weft::pipeline::metrics
