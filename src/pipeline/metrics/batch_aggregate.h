#pragma once
// One batch's RED figures, pre-aggregated per (series, 10-second bucket) off the store's
// locks: a processor's observe() fills one, its commit() hands it to MetricsStore::record(),
// which merges each entry once under its shard's lock. Buckets are by end time here; the
// store moves late and future entries (metrics_store.h, "Bucketing").
//
// Not thread-safe; one per batch. Owns copies of the names (the batch is gone by commit), in
// one arena per batch (one allocation for all its entries, not two strings per entry).
//
// Cost per span: one hash of the operation (the service's is hashed once per run of spans of
// one resource: add_span_hashed), one probe of an open-addressing index, no allocation. An
// entry keeps its first kInlineDurations durations inline instead of in a Sketch (most
// entries of a batch have only a few): the store adds them to its bucket's sketch directly
// (Sketch::merge_values, the same result as merging a sketch of them).
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "metrics/bucket_stats.h"
#include "metrics/series_key.h"

namespace weft::pipeline::metrics {

inline constexpr uint64_t kTenSeconds = 10'000'000'000ULL;
inline constexpr uint64_t kOneMinute = 60'000'000'000ULL;

struct AggregateEntry {
  static constexpr uint32_t kInlineDurations = 4;

  SeriesKeyView key;    // views of the aggregate's own copies of the names
  size_t key_hash = 0;  // hash_key(key), computed once
  uint64_t bucket_start_unix_nano = 0;
  // Calls, errors and exemplars; the durations only once there were more than
  // kInlineDurations of them (`spilled`), else they are in inline_durations.
  BucketStats stats;
  uint32_t inline_count = 0;
  bool spilled = false;
  uint64_t inline_durations[kInlineDurations] = {};

  // The same as stats.add() of a BucketStats holding everything.
  void add(uint64_t duration_nanos, bool error, const model::TraceId& trace,
           uint64_t end_unix_nano) {
    ++stats.calls;
    stats.errors += error;
    if (!spilled && inline_count < kInlineDurations) [[likely]] {
      inline_durations[inline_count++] = duration_nanos;
    } else {
      spill();
      stats.durations.add(duration_nanos);
    }
    if (!trace.is_zero())
      stats.exemplars.add({trace, duration_nanos, end_unix_nano, error});
  }
  // out.merge(the whole stats of this entry), exactly.
  void merge_into(BucketStats& out) const {
    if (spilled) {
      out.merge(stats);
      return;
    }
    out.calls += stats.calls;
    out.errors += stats.errors;
    out.durations.merge_values(inline_durations, inline_count);
    out.exemplars.merge(stats.exemplars);
  }
  // The whole stats of this entry.
  BucketStats total() const {
    BucketStats s;
    merge_into(s);
    return s;
  }
  SeriesKey key_copy() const {
    return SeriesKey{key.family, std::string(key.first), std::string(key.second), key.kind,
                     key.flags};
  }

 private:
  void spill() {
    if (spilled) return;
    for (uint32_t k = 0; k < inline_count; ++k) stats.durations.add(inline_durations[k]);
    inline_count = 0;
    spilled = true;
  }
};

class BatchAggregate {
 public:
  BatchAggregate() = default;
  // A moved-from aggregate is empty (and owns no chunk it could write into).
  BatchAggregate(BatchAggregate&& o) noexcept { *this = std::move(o); }
  BatchAggregate& operator=(BatchAggregate&& o) noexcept {
    if (this == &o) return *this;
    entries_ = std::exchange(o.entries_, {});
    index_ = std::exchange(o.index_, {});
    chunks_ = std::exchange(o.chunks_, {});
    chunk_pos_ = std::exchange(o.chunk_pos_, nullptr);
    chunk_left_ = std::exchange(o.chunk_left_, 0);
    last_first_ = std::exchange(o.last_first_, {});
    return *this;
  }

  void add_span(std::string_view service, std::string_view operation, model::SpanKind kind,
                bool error, uint64_t end_unix_nano, uint64_t duration_nanos,
                const model::TraceId& trace) {
    add_span_hashed(service, hash_name(service), operation, kind, error, end_unix_nano,
                    duration_nanos, trace);
  }
  // add_span() with service_hash == hash_name(service) computed by the caller.
  void add_span_hashed(std::string_view service, size_t service_hash, std::string_view operation,
                       model::SpanKind kind, bool error, uint64_t end_unix_nano,
                       uint64_t duration_nanos, const model::TraceId& trace);
  void add_edge(const EdgeSample& e);
  // Room for about `spans` spans (or edges) without growing.
  void reserve(size_t spans);

  bool empty() const { return entries_.empty(); }
  // In the order the entries were created.
  std::vector<AggregateEntry>& entries() { return entries_; }
  const std::vector<AggregateEntry>& entries() const { return entries_; }

 private:
  struct IndexSlot {
    uint32_t entry = 0;  // entries_ index + 1; 0: empty
    uint32_t tag = 0;    // high bits of the slot's hash
  };
  static size_t slot_hash(size_t key_hash, uint64_t bucket) {
    return key_hash ^ (bucket * 0x9E3779B97F4A7C15ULL);
  }
  AggregateEntry& slot(const SeriesKeyView& key, size_t key_hash, uint64_t end_unix_nano);
  void grow_index(size_t capacity);
  std::string_view copy_name(std::string_view name);

  std::vector<AggregateEntry> entries_;
  std::vector<IndexSlot> index_;  // open addressing, linear probing; size a power of 2
  // The names' copies: chunks that never move.
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* chunk_pos_ = nullptr;
  size_t chunk_left_ = 0;
  std::string_view last_first_;  // the last copied `first` name (services repeat)
};

}  // namespace weft::pipeline::metrics
