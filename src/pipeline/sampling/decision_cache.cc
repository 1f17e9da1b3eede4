#include "sampling/decision_cache.h"

namespace weft::pipeline::sampling {

void DecisionCache::put(const model::TraceId& id, bool keep) {
  if (capacity_ == 0) return;
  auto it = index_.find(id);
  if (it != index_.end()) {
    it->second->keep = keep;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front(Entry{id, keep});
  index_.emplace(id, order_.begin());
  if (index_.size() > capacity_) {
    index_.erase(order_.back().id);
    order_.pop_back();
  }
}

std::optional<bool> DecisionCache::get(const model::TraceId& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->keep;
}

}  // namespace weft::pipeline::sampling
