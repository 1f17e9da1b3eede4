#pragma once
// One batch's RED figures, pre-aggregated per (series, 10-second bucket) off the store's
// locks: a processor's observe() fills one, its commit() hands it to MetricsStore::record(),
// which merges each entry once under its shard's lock. Buckets are by end time here; the
// store moves late and future entries (metrics_store.h, "Bucketing").
//
// Not thread-safe; one per batch. Owns copies of the names (the batch is gone by commit).
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>

#include "common/ids.h"
#include "metrics/bucket_stats.h"
#include "metrics/series_key.h"

namespace weft::pipeline::metrics {

inline constexpr uint64_t kTenSeconds = 10'000'000'000ULL;
inline constexpr uint64_t kOneMinute = 60'000'000'000ULL;

struct AggregateEntry {
  SeriesKey key;
  size_t key_hash = 0;  // SeriesKeyHash()(key), computed once
  uint64_t bucket_start_unix_nano = 0;
  BucketStats stats;
};

class BatchAggregate {
 public:
  void add_span(std::string_view service, std::string_view operation, model::SpanKind kind,
                bool error, uint64_t end_unix_nano, uint64_t duration_nanos,
                const model::TraceId& trace);
  void add_edge(const EdgeSample& e);

  bool empty() const { return entries_.empty(); }
  // Stable addresses: lookups keep views into the entries' own strings.
  std::deque<AggregateEntry>& entries() { return entries_; }
  const std::deque<AggregateEntry>& entries() const { return entries_; }

 private:
  struct Slot {
    SeriesKeyView key;
    uint64_t bucket;
    size_t key_hash;  // hash_key(key)
    friend bool operator==(const Slot& a, const Slot& b) {
      return a.bucket == b.bucket && a.key == b.key;
    }
  };
  struct SlotHash {
    size_t operator()(const Slot& s) const {
      return s.key_hash ^ (s.bucket * 0x9E3779B97F4A7C15ULL);
    }
  };
  BucketStats& slot(const SeriesKeyView& key, uint64_t end_unix_nano);

  std::deque<AggregateEntry> entries_;
  std::unordered_map<Slot, AggregateEntry*, SlotHash> index_;
};

}  // namespace weft::pipeline::metrics
