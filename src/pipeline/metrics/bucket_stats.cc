#include "metrics/bucket_stats.h"

#include <algorithm>

namespace weft::pipeline::metrics {

void Exemplars::add(const Exemplar& e) {
  if (!slowest_ || e.duration_nanos > slowest_->duration_nanos) slowest_ = e;
  if (!e.error) return;
  // Hot path: the common case is an error newer than all kept.
  auto pos = std::find_if(errors_.begin(), errors_.end(),
                          [&](const Exemplar& x) { return e.end_unix_nano > x.end_unix_nano; });
  if (pos == errors_.end() && errors_.size() >= kMaxErrors) return;
  for (const Exemplar& x : errors_)
    if (x.trace_id == e.trace_id) return;  // one trace is enough once
  errors_.insert(pos, e);
  if (errors_.size() > kMaxErrors) errors_.pop_back();
}

void Exemplars::merge(const Exemplars& other) {
  if (other.slowest_ && (!slowest_ || other.slowest_->duration_nanos > slowest_->duration_nanos))
    slowest_ = other.slowest_;
  for (const Exemplar& e : other.errors_) {
    // Re-adding an error never replaces slowest_ wrongly: other.slowest_ was at least as slow.
    auto keep = slowest_;
    add(e);
    slowest_ = keep;
  }
}

std::vector<Exemplar> Exemplars::all() const {
  std::vector<Exemplar> out;
  if (slowest_) out.push_back(*slowest_);
  for (const Exemplar& e : errors_)
    if (!slowest_ || e.trace_id != slowest_->trace_id) out.push_back(e);
  return out;
}

}  // namespace weft::pipeline::metrics
