#pragma once
// A bounded LRU of recent decisions (trace ID → keep), so spans arriving after their trace
// was decided follow the decision instead of opening a new pending trace. Not thread-safe:
// the sampler keeps one per shard, under the shard's lock.
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>

#include "model/span.h"

namespace weft::pipeline::sampling {

class DecisionCache {
 public:
  explicit DecisionCache(size_t capacity) : capacity_(capacity) {}

  // Records (or overwrites) a decision as the most recent; evicts the least recent past
  // capacity. A capacity of 0 keeps nothing.
  void put(const model::TraceId& id, bool keep);
  // The decision, marking it most recently used; nullopt if unknown or evicted.
  std::optional<bool> get(const model::TraceId& id);
  size_t size() const { return index_.size(); }

 private:
  struct Entry {
    model::TraceId id;
    bool keep;
  };
  size_t capacity_;
  std::list<Entry> order_;  // front: most recent
  std::unordered_map<model::TraceId, std::list<Entry>::iterator, model::FixedIdHash> index_;
};

}  // namespace weft::pipeline::sampling
