#pragma once
// One series' bucket as the store keeps it in memory: the part already on disk, packed (its
// sketch encoded: a closed bucket costs tens of bytes, not a dense array), and the part not
// yet persisted, live. Their sum is the bucket. A flush writes `pending` as a delta record
// and folds it into `persisted`, so a late span added after a flush is written as a second
// delta, never counted twice.
#include <cstdint>
#include <string>

#include "metrics/bucket_stats.h"

namespace weft::pipeline::metrics {

struct PackedStats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  std::string sketch;  // Sketch::encode(); empty when calls == 0
  Exemplars exemplars;

  BucketStats unpack() const {
    BucketStats s;
    s.calls = calls;
    s.errors = errors;
    if (!sketch.empty()) s.durations = std::move(*Sketch::decode(sketch));  // we wrote it
    s.exemplars = exemplars;
    return s;
  }
  void merge(const BucketStats& more) {
    if (more.calls == 0) return;
    BucketStats s = unpack();
    s.merge(more);
    calls = s.calls;
    errors = s.errors;
    sketch = s.durations.encode();
    exemplars = s.exemplars;
  }
};

struct StoredBucket {
  PackedStats persisted;
  BucketStats pending;

  bool has_pending() const { return pending.calls != 0; }
  // The whole bucket.
  BucketStats total() const {
    BucketStats s = persisted.unpack();
    s.merge(pending);
    return s;
  }
  // Adds the whole bucket into `out` (cheaper than total() when persisted is empty).
  void add_to(BucketStats& out) const {
    if (persisted.calls) out.merge(persisted.unpack());
    out.merge(pending);
  }
  // After `pending` was written: fold it in.
  void mark_persisted() {
    persisted.merge(pending);
    pending = BucketStats();
  }
};

}  // namespace weft::pipeline::metrics
