#pragma once
// TimeIndex: the head's traces by start time, walked newest first. Traces go into buckets of
// 2^26 ns (about 67 ms) of start time; a walk sorts one bucket at a time. Adding a trace is a
// lookup among the (few thousand) buckets and an append — no tree node per trace, which is
// what made std::set the most expensive step of ingest (a cache miss per level).
//
// Thread-safety: none of its own; guarded by the Head's lock.
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "common/ids.h"

namespace weft::store {

using namespace weft::model;

struct TraceEntry;

// A trace's place in time order. `entry` rides along (not part of the order) so a walk
// reaches the trace without a hash lookup.
struct TimeKey {
  uint64_t start;
  TraceId id;
  const TraceEntry* entry = nullptr;
};

class TimeIndex {
 public:
  static constexpr int kBucketShift = 26;

  void insert(const TimeKey& key) {
    buckets_[key.start >> kBucketShift].push_back(key);
    ++size_;
  }
  // Removes the key with this (start, id); a no-op if absent.
  void erase(const TimeKey& key) {
    auto b = buckets_.find(key.start >> kBucketShift);
    if (b == buckets_.end()) return;
    auto& v = b->second;
    auto it = std::find_if(v.begin(), v.end(), [&](const TimeKey& k) {
      return k.start == key.start && k.id == key.id;
    });
    if (it == v.end()) return;
    *it = v.back();
    v.pop_back();
    --size_;
    if (v.empty()) buckets_.erase(b);
  }
  size_t size() const { return size_; }

  // Calls fn(key) for every trace starting in [from, to], newest first (equal starts:
  // ascending trace ID); stops once fn returns false.
  template <typename Fn>
  void newest_first(uint64_t from, uint64_t to, Fn&& fn) const {
    if (from > to) return;
    std::vector<TimeKey> bucket;
    auto it = buckets_.upper_bound(to >> kBucketShift);
    while (it != buckets_.begin()) {
      --it;
      if (it->first < (from >> kBucketShift)) return;
      bucket.clear();
      for (const TimeKey& k : it->second)
        if (k.start >= from && k.start <= to) bucket.push_back(k);
      std::sort(bucket.begin(), bucket.end(), [](const TimeKey& a, const TimeKey& b) {
        return a.start != b.start ? a.start > b.start : a.id < b.id;
      });
      for (const TimeKey& k : bucket)
        if (!fn(k)) return;
    }
  }

 private:
  std::map<uint64_t, std::vector<TimeKey>> buckets_;  // start >> kBucketShift -> traces
  size_t size_ = 0;
};

}  // namespace weft::store
